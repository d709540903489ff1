package bot

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the router's Prometheus collectors.
type Metrics struct {
	commands *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	answers  *prometheus.CounterVec
}

// NewMetrics creates the router's collectors and registers them with reg
// (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_commands_total", Help: "Requests handled, by platform, kind of request and command.",
		}, []string{"platform", "kind", "command"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "briefbot_command_seconds", Help: "Time to build a reply, by command.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"command"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_errors_total", Help: "Errors by kind: bad_input, internal.",
		}, []string{"kind"}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_answers_total", Help: "Answers given, by outcome: cited, nothing, summarized.",
		}, []string{"outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.commands, m.latency, m.errors, m.answers)
	}
	return m
}

func (k Kind) String() string {
	switch k {
	case Mention:
		return "mention"
	case Direct:
		return "direct"
	default:
		return "command"
	}
}
