package main

import (
	"io"

	"briefbot/briefing"
	"briefbot/config"
)

// llmOptions wires the optional LLM summariser into library options.
func llmOptions(cfg config.Config, extractive bool, stderr io.Writer) (briefing.Options, error) {
	return briefing.Options{}, nil // wired once briefing/llm lands (issue 6)
}
