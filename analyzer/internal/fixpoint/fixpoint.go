// Package fixpoint iterates the analyzers' summaries until they settle.
package fixpoint

// Iterate calls round until it reports that nothing changed, or at most
// limit times when limit is positive. Summaries that feed each other (a
// wrapper of a wrapper, a caller of a publisher) settle this way; a limit
// bounds the rounds where each one rebuilds a whole package's state.
func Iterate(limit int, round func() (changed bool)) {
	for n := 0; limit <= 0 || n < limit; n++ {
		if !round() {
			return
		}
	}
}
