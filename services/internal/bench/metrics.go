package bench

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Samples are one scrape of Prometheus text: "name{labels}" -> value.
type Samples map[string]float64

// Scrape reads addr's /metrics: over HTTPS trusting tlsCfg, or plain HTTP
// if tlsCfg is nil.
func Scrape(ctx context.Context, addr string, tlsCfg *tls.Config) (Samples, error) {
	scheme, c := "http", http.DefaultClient
	if tlsCfg != nil {
		scheme, c = "https", &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+addr+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("GET /metrics: %s: %s", resp.Status, body)
	}
	out := Samples{}
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		line := lines.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); i > 0 && err == nil {
			out[line[:i]] = v
		}
	}
	return out, lines.Err()
}

// Sum adds the samples of metric name whose labels contain every one of
// the label pairs given (as `key="value"`).
func (s Samples) Sum(name string, labels ...string) float64 {
	var total float64
	for series, v := range s {
		metric, rest, _ := strings.Cut(series, "{")
		if metric != name {
			continue
		}
		matches := true
		for _, l := range labels {
			matches = matches && strings.Contains(rest, l)
		}
		if matches {
			total += v
		}
	}
	return total
}

// Breakdown lists the non-zero series of name, for a report.
func (s Samples) Breakdown(name string) string {
	var parts []string
	for series, v := range s {
		if metric, labels, _ := strings.Cut(series, "{"); metric == name && v != 0 {
			var own []string // without the otel_scope_* labels every series has
			for l := range strings.SplitSeq(strings.TrimSuffix(labels, "}"), ",") {
				if !strings.HasPrefix(l, "otel_scope_") {
					own = append(own, l)
				}
			}
			parts = append(parts, fmt.Sprintf("%s %.0f", strings.Join(own, ","), v))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}
