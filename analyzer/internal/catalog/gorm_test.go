package catalog

import "testing"

// TestTableNames checks GORM's default table naming: snake_case, then
// jinzhu/inflection's plural.
func TestTableNames(t *testing.T) {
	for model, table := range map[string]string{
		"User":        "users",
		"OrderItem":   "order_items",
		"APIKey":      "api_keys",
		"UserID":      "user_ids",
		"Person":      "people",
		"Category":    "categories",
		"Address":     "addresses",
		"Status":      "statuses",
		"Box":         "boxes",
		"Wife":        "wives",
		"Information": "information",
		"Datum":       "data",
		"Key":         "keys",
	} {
		if got := plural(Snake(model)); got != table {
			t.Errorf("table of %s = %q, want %q", model, got, table)
		}
	}
}
