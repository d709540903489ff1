package briefing

import (
	"testing"

	"briefbot/briefing/search"
)

// A heading shows the question's subject only when it reads as a noun
// phrase; otherwise the question itself.
func TestSubject(t *testing.T) {
	tests := []struct{ question, want string }{
		{"what did sources say about export controls?", "export controls"},
		{"tell me about the harbour budget", "harbour budget"},
		{"Any news on Veltrix?", "Veltrix"},
		{"US export controls", "US export controls"},
		{"what chips did the startup use?", ""},
		{"what did chip shares do after the launch?", ""},
		{"how much did it cost to train the model?", ""},
		{"what is Mixture of Experts?", ""},
		{"what did the minister say?", ""},
		{"what does this mean for Europe?", ""},
	}
	for _, tt := range tests {
		if got := subject(tt.question, search.ParseQuery(tt.question).Topic); got != tt.want {
			t.Errorf("subject(%q) = %q, want %q", tt.question, got, tt.want)
		}
	}
}
