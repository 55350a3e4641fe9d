// Package quickstart tests the README's quick start end to end, through
// `make run` as a newcomer starts Landlord: its printed commands, the same
// tenant, member, quota and usage calls over gRPC and REST, kubectl with
// landlordctl's kubeconfig, Ctrl-C and a resuming second run.
package quickstart
