package briefing

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRegisterMetricSharesCollectors(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, err := RegisterMetric(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "x_total", Help: "x"}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := RegisterMetric(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "x_total", Help: "x"}))
	if err != nil || a != b {
		t.Errorf("second RegisterMetric = %v, %v; want the first collector", b, err)
	}
	if _, err := RegisterMetric(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "x_total", Help: "other"})); err == nil {
		t.Error("a conflicting collector was accepted")
	}
	if c, err := RegisterMetric[prometheus.Counter](nil, a); err != nil || c != a {
		t.Errorf("nil registry: %v, %v; want the collector back and no error", c, err)
	}
}
