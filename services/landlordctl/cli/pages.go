package cli

// allPages lists every page from the first: list returns one page's items
// and the next page's token, "" after the last page.
func allPages[T any](list func(page string) ([]T, string, error)) ([]T, error) {
	var all []T
	for page := ""; ; {
		items, next, err := list(page)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		page = next
	}
}
