package briefing

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// RegisterMetric registers c with reg and returns it, or returns the
// collector already registered under c's name when it is of the same type
// (two Libraries, LLM clients, adapters or Runtimes on one registry share
// their metrics). A nil reg registers nothing. Any other clash is an error;
// c is returned with it, and counts without being exported.
func RegisterMetric[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if reg == nil {
		return c, nil
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if old, ok := are.ExistingCollector.(C); ok {
				return old, nil
			}
		}
		return c, fmt.Errorf("register metrics: %w", err)
	}
	return c, nil
}
