package main

import (
	"fmt"
	"strings"
)

// interleaved parses args the way users type them: flags may come before,
// between or after the positional arguments (`ask "export controls" --json`
// is the same as `ask --json "export controls"`). Everything after a lone
// "--" is positional, so a question may begin with a dash. A dash-led word
// that is not a known flag is an error that says how to quote it; it never
// silently becomes part of the question.
func (fs *flagSet) interleaved(args []string) error {
	fs.pos = nil
	for {
		if err := fs.Parse(args); err != nil {
			if len(fs.pos) > 0 && strings.Contains(err.Error(), "flag provided but not defined") {
				return fmt.Errorf("%w; to ask about text that starts with a dash, put it after --, e.g. briefbot %s -- \"-5 degrees\"", err, fs.Name())
			}
			return err
		}
		rest := fs.FlagSet.Args()
		if len(rest) == 0 {
			return nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			fs.pos = append(fs.pos, rest...)
			return nil
		}
		fs.pos = append(fs.pos, rest[0])
		args = rest[1:]
	}
}

// Args returns the positional arguments.
func (fs *flagSet) Args() []string { return fs.pos }

// NArg returns the number of positional arguments.
func (fs *flagSet) NArg() int { return len(fs.pos) }

// Arg returns the i'th positional argument, or "" when there is none.
func (fs *flagSet) Arg(i int) string {
	if i < 0 || i >= len(fs.pos) {
		return ""
	}
	return fs.pos[i]
}
