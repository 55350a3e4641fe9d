// Package output prints API responses as a table (for people), JSON (the
// protojson mapping, as the REST gateway speaks it) or YAML (the same
// JSON as YAML), chosen with -o.
package output

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"sigs.k8s.io/yaml"
)

// Formats are the values -o takes.
var Formats = []string{"table", "json", "yaml"}

// Table is rows under a header.
type Table struct {
	Header []string
	Rows   [][]string
}

// Print writes msg to w in format; table uses tbl, built only when
// needed.
func Print(w io.Writer, format string, msg proto.Message, tbl func() Table) error {
	switch format {
	case "", "table":
		return writeTable(w, tbl())
	case "json":
		data, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(msg)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", data)
		return err
	case "yaml":
		data, err := protojson.Marshal(msg)
		if err != nil {
			return err
		}
		if data, err = yaml.JSONToYAML(data); err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	default:
		return fmt.Errorf("unknown output format %q: use one of %s", format, strings.Join(Formats, ", "))
	}
}

// Validate reports an unknown format before any request is sent.
func Validate(format string) error {
	for _, f := range Formats {
		if f == format {
			return nil
		}
	}
	return fmt.Errorf("unknown output format %q: use one of %s", format, strings.Join(Formats, ", "))
}

func writeTable(w io.Writer, t Table) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	if t.Header != nil { // a stream's later rows come without one
		fmt.Fprintln(tw, strings.Join(t.Header, "\t"))
	}
	for _, r := range t.Rows {
		for i := range r {
			if r[i] == "" {
				r[i] = "-" // keeps columns aligned for awk and eyes
			}
		}
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
