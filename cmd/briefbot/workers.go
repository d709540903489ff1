package main

import (
	"runtime"

	"briefbot/config"
)

// llmWorkers is how many answers are built at once when they are
// summarised by a model: most of an answer is then spent waiting for it.
const llmWorkers = 8

// answerWorkers returns how many answers each chat platform builds at once.
// Without a model an answer is a search, all CPU: one worker per CPU (at
// least two, so one long answer does not hold up the rest) answers as fast
// as more would, and leaves the scheduler free to acknowledge new commands
// at once (BenchmarkServeBurst: with 8 workers on 2 CPUs acknowledgements
// waited behind the searches). With a model, llmWorkers.
func answerWorkers(cfg config.Config, cpus int) int {
	if cfg.LLM.Enabled() {
		return llmWorkers
	}
	return max(2, cpus)
}

// cpus is how many CPUs the process may use at once.
func cpus() int { return runtime.GOMAXPROCS(0) }
