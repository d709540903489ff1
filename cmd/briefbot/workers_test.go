package main

import (
	"testing"

	"briefbot/config"
)

func TestAnswerWorkers(t *testing.T) {
	withLLM := config.Config{LLM: config.LLM{BaseURL: "http://127.0.0.1:1/v1", Model: "m"}}
	if !withLLM.LLM.Enabled() {
		t.Fatal("test config does not enable the LLM; update the fixture")
	}
	for _, tc := range []struct {
		name string
		cfg  config.Config
		cpus int
		want int
	}{
		{"search only, 1 CPU", config.Config{}, 1, 2},
		{"search only, 2 CPUs", config.Config{}, 2, 2},
		{"search only, 16 CPUs", config.Config{}, 16, 16},
		{"with a model, 2 CPUs", withLLM, 2, llmWorkers},
	} {
		if got := answerWorkers(tc.cfg, tc.cpus); got != tc.want {
			t.Errorf("%s: %d workers, want %d", tc.name, got, tc.want)
		}
	}
}
