package briefing

import (
	"fmt"
	"testing"
)

func TestVerifySummarySupport(t *testing.T) {
	given := givenTexts(summaryPassages(t))
	given[6] = "Guidance\nHarbor Ledger\n7 Mar 2025\nThe authority published its guidance at https://harbor.example.org/fees and took 1,000 comments."
	tests := []struct {
		name    string
		reply   string
		want    string
		dropped map[string]int
		links   int
	}{
		{name: "supported paraphrase",
			reply: "According to Harbor Ledger, the port authority raised berth fees by 12 percent on Monday [1].",
			want:  "According to Harbor Ledger, the port authority raised berth fees by 12 percent on Monday [1]."},
		{name: "a number not in the cited passage",
			reply:   "According to Harbor Ledger, the port authority raised berth fees by 15 percent [1].",
			dropped: map[string]int{"unsupported_number": 1}},
		{name: "a number from another passage",
			reply:   "Tidewater Times reports berth fees rose by 12 percent [2].",
			dropped: map[string]int{"unsupported_number": 1}},
		{name: "digit groups match",
			reply: "Harbor Ledger says the authority took 1000 comments on its guidance [6].",
			want:  "Harbor Ledger says the authority took 1000 comments on its guidance [6]."},
		{name: "a name not in the cited passage",
			reply:   "Harbor Ledger reports that Siemens raised berth fees [1].",
			dropped: map[string]int{"unsupported_name": 1}},
		{name: "a name from the source line is supported",
			reply: "Quay Weekly reports that dockworkers in Rotterdam voted to strike [3].",
			want:  "Quay Weekly reports that dockworkers in Rotterdam voted to strike [3]."},
		{name: "words the passage does not support",
			reply:   "Harbor Ledger says the port will close and every ship will be seized soon [1].",
			dropped: map[string]int{"unsupported_words": 1}},
		{name: "an echoed key",
			reply:   "Harbor Ledger confirms the access key sk-e2e-9d8c7b6a5f4e3d2c1b0a for berth fees [1].",
			dropped: map[string]int{"unsupported_number": 1}},
		{name: "a long token",
			reply:   "Harbor Ledger lists berth fees under abcdefghijklmnopqrstuvwxyzabcdef [1].",
			dropped: map[string]int{"unsupported_number": 1}},
		{name: "a link not in the passage is removed",
			reply: "Harbor Ledger reports raised berth fees, details at https://harbor-ledger.example.net/login?next=fees [1].",
			want:  "Harbor Ledger reports raised berth fees, details at [1].", links: 1},
		{name: "a bare domain not in the passage is removed",
			reply: "Harbor Ledger reports raised berth fees (see harbor-fees-refund.com) [1].",
			want:  "Harbor Ledger reports raised berth fees (see) [1].", links: 1},
		{name: "a Markdown link keeps its label",
			reply: "Harbor Ledger reports [raised berth fees](http://phish.example.com/a) [1].",
			want:  "Harbor Ledger reports raised berth fees [1].", links: 1},
		{name: "a Slack link keeps its label",
			reply: "Harbor Ledger reports <https://phish.example.com/a|raised berth fees> [1].",
			want:  "Harbor Ledger reports raised berth fees [1].", links: 1},
		{name: "a link in the cited passage is kept",
			reply: "Harbor Ledger says the guidance is at https://harbor.example.org/fees [6].",
			want:  "Harbor Ledger says the guidance is at https://harbor.example.org/fees [6]."},
		{name: "a link from another passage is removed",
			reply: "Harbor Ledger says berth fees rose, see https://harbor.example.org/fees [1].",
			want:  "Harbor Ledger says berth fees rose, see [1].", links: 1},
		{name: "only a link",
			reply:   "https://phish.example.com [1].",
			dropped: map[string]int{"unsupported_words": 1}, links: 1},
		{name: "several cited passages together support a sentence",
			reply: "Harbor Ledger reports higher berth fees, while Quay Weekly covers a strike vote over automation [1][3][4].",
			want:  "Harbor Ledger reports higher berth fees, while Quay Weekly covers a strike vote over automation [1][3][4]."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifySummary(tt.reply, given)
			if v.text != tt.want {
				t.Errorf("verifySummary(%q):\n got %q\nwant %q", tt.reply, v.text, tt.want)
			}
			want := tt.dropped
			if want == nil {
				want = map[string]int{}
			}
			if fmt.Sprint(v.dropped) != fmt.Sprint(want) {
				t.Errorf("dropped %v, want %v", v.dropped, want)
			}
			if v.links != tt.links {
				t.Errorf("%d links removed, want %d", v.links, tt.links)
			}
		})
	}
}
