//go:build !linux

package search

import "time"

// threadCPU is unknown on this platform.
func threadCPU() (time.Duration, bool) { return 0, false }
