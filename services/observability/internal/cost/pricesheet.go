// Package cost prices resource-hours (showback): a PriceSheet from
// configuration, and the arithmetic that turns a history point's
// requested resource-hours into money. Money is integer micros of the
// sheet's currency and prices integer nanos per unit-hour, so that sums
// are exact and only one rounding happens, per step and resource.
package cost

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// PriceSheet is what one unit-hour of each resource costs.
type PriceSheet struct {
	// Version and EffectiveTime identify the sheet in reports.
	Version       string
	EffectiveTime time.Time
	// Currency is an ISO 4217 code.
	Currency string
	// Nanos of Currency per CPU core-hour, memory GiB-hour and storage
	// GiB-hour.
	CPUCoreHour, MemoryGiBHour, StorageGiBHour int64
}

// Default is the built-in sheet: OpenCost's default list prices in USD
// (CPU 0.031611 per core-hour, memory 0.004237 per GiB-hour, storage
// 0.000054795 per GiB-hour, i.e. 0.04 per GiB-month of 730 hours).
func Default() PriceSheet {
	return PriceSheet{Version: "builtin-1", Currency: "USD",
		CPUCoreHour: 31_611_000, MemoryGiBHour: 4_237_000, StorageGiBHour: 54_795}
}

// file is a price sheet's file form (YAML or JSON): prices are decimal
// strings in units of the currency, at most 9 decimals, so that none is
// rounded on the way in.
type file struct {
	Version       string    `json:"version"`
	EffectiveTime time.Time `json:"effectiveTime"`
	Currency      string    `json:"currency"`
	CPUCoreHour   string    `json:"cpuCoreHour"`
	MemoryGiBHour string    `json:"memoryGiBHour"`
	StorageGiB    string    `json:"storageGiBHour"`
}

// Load reads a price sheet file; every field is required but the
// effective time.
func Load(path string) (PriceSheet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return PriceSheet{}, err
	}
	var f file
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return PriceSheet{}, fmt.Errorf("price sheet %s: %w", path, err)
	}
	s := PriceSheet{Version: f.Version, EffectiveTime: f.EffectiveTime, Currency: f.Currency}
	var errs []error
	for _, p := range []struct {
		name string
		in   string
		out  *int64
	}{{"cpuCoreHour", f.CPUCoreHour, &s.CPUCoreHour}, {"memoryGiBHour", f.MemoryGiBHour, &s.MemoryGiBHour}, {"storageGiBHour", f.StorageGiB, &s.StorageGiBHour}} {
		n, err := ParseNanos(p.in)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.name, err))
		}
		*p.out = n
	}
	if err := errors.Join(append(errs, s.Validate())...); err != nil {
		return PriceSheet{}, fmt.Errorf("price sheet %s: %w", path, err)
	}
	return s, nil
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// Validate reports every problem at once.
func (s PriceSheet) Validate() error {
	var errs []error
	if s.Version == "" {
		errs = append(errs, errors.New("version must be set"))
	}
	if !currencyCode.MatchString(s.Currency) {
		errs = append(errs, fmt.Errorf("currency %q must be an ISO 4217 code (three capital letters)", s.Currency))
	}
	if s.CPUCoreHour < 0 || s.MemoryGiBHour < 0 || s.StorageGiBHour < 0 {
		errs = append(errs, errors.New("prices must not be negative"))
	}
	return errors.Join(errs...)
}

// maxPrice bounds a price (a million per unit-hour) so that nanos stay
// far from int64's limit.
const maxPrice = 1_000_000

// ParseNanos parses a non-negative decimal ("0.031611") into nanos,
// exactly: more than 9 decimals is an error, not a rounding.
func ParseNanos(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 9 || strings.Trim(whole+frac, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a decimal number with at most 9 decimals", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > maxPrice {
		return 0, fmt.Errorf("%q is more than %d", s, maxPrice)
	}
	f := int64(0)
	if frac != "" {
		if f, err = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64); err != nil {
			return 0, fmt.Errorf("%q: %w", s, err)
		}
	}
	return w*1_000_000_000 + f, nil
}
