package cluster

import (
	"net"
	"strings"
	"testing"
)

func TestValidateRejectsBadPorts(t *testing.T) {
	cfg := Defaults()
	cfg.Self = "/bin/true"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	cfg.EtcdPeerPort = cfg.EtcdPort
	cfg.APIServerPort = 70000
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "both use port") || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("Validate = %v, want both problems reported", err)
	}
}

func TestTakenPortIsRefusedNamingTheFlag(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	cfg := Defaults()
	if err := cfg.UseFreePorts(); err != nil {
		t.Fatal(err)
	}
	cfg.APIServerPort = lis.Addr().(*net.TCPAddr).Port
	err = cfg.checkPortsFree()
	if err == nil || !strings.Contains(err.Error(), "--apiserver-port") {
		t.Errorf("checkPortsFree = %v, want the taken port and its flag named", err)
	}
}

func TestStateDirIsLockedAgainstASecondSupervisor(t *testing.T) {
	path := t.TempDir() + "/lock"
	first, err := lockStateDir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := lockStateDir(path); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second lock = %v, want in use", err)
	}
}
