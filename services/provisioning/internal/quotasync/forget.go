package quotasync

import (
	corev1 "k8s.io/api/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
)

// Informer is the part of an informer ForgetDeletedNamespaces needs.
type Informer interface {
	AddEventHandler(toolscache.ResourceEventHandler) (toolscache.ResourceEventHandlerRegistration, error)
}

// ForgetDeletedNamespaces drops the remembered write of each namespace
// that namespaces (the operator's namespace informer) sees deleted: a
// namespace made again under the same name is a new one, whose quota the
// quota service allocates anew (with higher sequence numbers), never the
// old one's limits.
func (s *Syncer) ForgetDeletedNamespaces(namespaces Informer) error {
	s.init()
	_, err := namespaces.AddEventHandler(toolscache.ResourceEventHandlerFuncs{DeleteFunc: func(obj any) {
		if gone, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = gone.Obj
		}
		if ns, ok := obj.(*corev1.Namespace); ok {
			s.Forget(ns.Name)
		}
	}})
	return err
}

// Forget drops the remembered write of a namespace.
func (s *Syncer) Forget(namespace string) {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.latest, namespace)
}
