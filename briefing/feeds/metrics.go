package feeds

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the poller's Prometheus collectors.
type Metrics struct {
	polls   *prometheus.CounterVec
	added   prometheus.Counter
	bytes   prometheus.Counter
	latency *prometheus.HistogramVec
	failing prometheus.Gauge
}

// NewMetrics creates the poller's collectors and registers them with reg
// (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_feed_polls_total", Help: "Feed polls by result: ok, not_modified, error, skipped.",
		}, []string{"result"}),
		added: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "briefbot_feed_items_added_total", Help: "Articles added from feed items.",
		}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "briefbot_feed_fetched_bytes_total", Help: "Bytes fetched for feeds and their article pages (after decompression).",
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "briefbot_feed_fetch_seconds", Help: "Fetch latency, by what was fetched: feed, page.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind"}),
		failing: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "briefbot_feeds_failing", Help: "Feeds that have failed for a long run of polls.",
		}),
	}
	for _, r := range []string{"ok", "not_modified", "error", "skipped"} {
		m.polls.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.polls, m.added, m.bytes, m.latency, m.failing)
	}
	return m
}
