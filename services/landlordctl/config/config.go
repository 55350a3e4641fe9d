// Package config is landlordctl's config file, config.yaml in its config
// directory: where each Landlord service answers and which CA to trust.
// `landlordctl login` writes it; every other command reads it. The
// defaults are what `make run` serves.
package config

import (
	"errors"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// Config says where Landlord is.
type Config struct {
	Identity      string `json:"identity"`
	Provisioning  string `json:"provisioning"`
	Quota         string `json:"quota"`
	Observability string `json:"observability"`
	// CA is the Landlord CA the services' certificates chain to.
	CA string `json:"ca"`
	// DevClusterEnv is the dev cluster's landlord-dev.json, where
	// `kubeconfig` finds the API server and its CA.
	DevClusterEnv string `json:"devClusterEnv,omitempty"`
}

// Defaults match `make run` started in the current directory.
func Defaults() Config {
	return Config{
		Identity: "127.0.0.1:7100", Provisioning: "127.0.0.1:7200",
		Quota: "127.0.0.1:7300", Observability: "127.0.0.1:7400",
		CA:            ".landlord/devcluster/pki/landlord-ca.crt",
		DevClusterEnv: ".landlord/devcluster/landlord-dev.json",
	}
}

// Dir is landlordctl's config directory: $LANDLORD_CONFIG_DIR, else
// <user config dir>/landlord (~/.config/landlord on Linux).
func Dir() (string, error) {
	if d := os.Getenv("LANDLORD_CONFIG_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "landlord"), nil
}

func path(dir string) string { return filepath.Join(dir, "config.yaml") }

// Load reads dir's config, filling what it does not say with Defaults.
func Load(dir string) (Config, error) {
	c := Defaults()
	data, err := os.ReadFile(path(dir))
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	return c, yaml.Unmarshal(data, &c)
}

// Save writes c with its file paths made absolute, so that landlordctl
// works from any directory afterwards (kubectl runs it from anywhere).
func Save(dir string, c Config) error {
	for _, p := range []*string{&c.CA, &c.DevClusterEnv} {
		if *p != "" {
			abs, err := filepath.Abs(*p)
			if err != nil {
				return err
			}
			*p = abs
		}
	}
	data, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(path(dir), data, 0o600)
}
