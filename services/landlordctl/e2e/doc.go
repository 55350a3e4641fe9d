// Package e2e tests landlordctl against the real stack and the dev
// cluster: a user logs in with landlordctl, gets a kubeconfig and uses
// kubectl, whose tokens come from `landlordctl token`.
package e2e
