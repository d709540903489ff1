//go:build !unix

package store

import "os"

// tryFlock is a no-op where flock(2) does not exist: one writer per data
// directory is then the operator's rule to keep, not briefbot's.
func tryFlock(*os.File) error { return nil }

func unflock(*os.File) error { return nil }
