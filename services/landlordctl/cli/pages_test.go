package cli

import (
	"errors"
	"slices"
	"testing"
)

func TestAllPagesFollowsTokensToTheLastPage(t *testing.T) {
	pages := map[string][]string{"": {"a", "b"}, "p2": {"c"}, "p3": nil}
	next := map[string]string{"": "p2", "p2": "p3", "p3": ""}
	var asked []string
	got, err := allPages(func(page string) ([]string, string, error) {
		asked = append(asked, page)
		return pages[page], next[page], nil
	})
	if err != nil || !slices.Equal(got, []string{"a", "b", "c"}) || !slices.Equal(asked, []string{"", "p2", "p3"}) {
		t.Errorf("got %v, %v after asking %q", got, err, asked)
	}
	boom := errors.New("boom")
	if _, err := allPages(func(string) ([]string, string, error) { return nil, "", boom }); !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
}
