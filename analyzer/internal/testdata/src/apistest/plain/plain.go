package plain

// plain imports neither: no fact, and the checks skip it.

import "strings"

// Upper is strings.ToUpper.
func Upper(s string) string { return strings.ToUpper(s) }
