package search

import (
	"reflect"
	"testing"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		q            string
		topic        string
		terms        []string
		phrases      [][]string
		aboutSources bool
		quantity     bool
	}{
		{"what did sources say about export controls?", "export controls", []string{"export", "control"}, [][]string{{"export", "control"}}, true, false},
		{"tell me about Nvidia", "Nvidia", []string{"nvidia"}, nil, false, false},
		{"how much did it cost to train DeepSeek V3?", "cost to train DeepSeek V3", []string{"cost", "train", "deepseek", "v3"}, [][]string{{"deepseek", "v3"}}, false, true},
		{"how far did the glacier retreat?", "glacier retreat", []string{"glacier", "retreat"}, [][]string{{"glacier", "retreat"}}, false, true},
		{"How long is the Nile?", "Nile", []string{"nile"}, nil, false, true},
		{"how did markets react to the launch?", "markets react to the launch", []string{"market", "launch"}, nil, false, false},
		{"what is Mixture of Experts?", "Mixture of Experts", []string{"mixtur", "expert"}, [][]string{{"mixtur", "expert"}}, false, false},
		{"what does this mean for Europe?", "Europe", []string{"europ"}, nil, false, false},
		{"What are the outlets reporting on the harbor wind farm?", "harbor wind farm", []string{"harbor", "wind", "farm"}, [][]string{{"harbor", "wind", "farm"}}, true, false},
		{"how did export controls affect Veltrix?", "export controls affect Veltrix", []string{"export", "control", "veltrix"}, [][]string{{"export", "control"}}, false, false},
		{"Any news on Veltrix?", "Veltrix", []string{"veltrix"}, nil, false, false},
		{"give me a summary of the Veltrix news", "Veltrix", []string{"veltrix"}, nil, false, false},
		{"fake news", "fake news", []string{"fake", "news"}, [][]string{{"fake", "news"}}, false, false},
		{"US export controls", "US export controls", []string{"us", "export", "control"}, [][]string{{"us", "export", "control"}}, false, false},
		{"news on Veltrix please", "Veltrix", []string{"veltrix"}, nil, false, false},
		{"News Corp", "News Corp", []string{"news", "corp"}, [][]string{{"news", "corp"}}, false, false},
		{"what's going on with chips according to the press?", "chips", []string{"chip"}, nil, true, false},
		{"what was the price of the Veltrix processor", "price of the Veltrix processor", []string{"price", "veltrix", "processor"}, [][]string{{"veltrix", "processor"}}, false, true},
		{"what did Veltrix say happened to its profit?", "Veltrix say happened to its profit", []string{"veltrix", "profit"}, nil, true, false},
		{"what did sources say?", "what did sources say", nil, nil, true, false},
		{"marathon", "marathon", []string{"marathon"}, nil, false, false},
		{"what did sources say about open source?", "open source", []string{"open", "sourc"}, [][]string{{"open", "sourc"}}, true, false},
		{"what did the harbor council say about it?", "harbor council", []string{"harbor", "council"}, [][]string{{"harbor", "council"}}, true, false},
		{"how many GPUs does Veltrix sell?", "GPUs does Veltrix sell", []string{"gpu", "veltrix", "sell"}, [][]string{{"veltrix", "sell"}}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got := ParseQuery(tt.q)
			got.Names, got.Joins = nil, nil // see TestParseQueryNamesAndJoins
			want := Query{Text: tt.q, Topic: tt.topic, Terms: tt.terms, Phrases: tt.phrases, AboutSources: tt.aboutSources, Quantity: tt.quantity}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ParseQuery(%q) =\n  %+v\nwant\n  %+v", tt.q, got, want)
			}
		})
	}
}

func TestParseQueryNamesAndJoins(t *testing.T) {
	tests := []struct {
		q     string
		names [][]string
		joins []Join
	}{
		{"What did Nokia say about its smartphone sales?", [][]string{{"nokia"}}, []Join{{"smartphon", "sale", "smartphonesal"}}},
		{"what did the Hugging Face CEO say?", [][]string{{"hug", "face", "ceo"}}, []Join{{"hug", "face", "huggingfac"}, {"face", "ceo", "faceceo"}}},
		{"what did Harry Reid say after the vote?", [][]string{{"harri", "reid"}}, []Join{{"harri", "reid", "harryreid"}}},
		{"how many GPUs does Veltrix sell?", [][]string{{"gpu"}, {"veltrix"}}, []Join{{"veltrix", "sell", "veltrixsel"}}},
		{"WHAT DID NOKIA SAY?", nil, nil},
	}
	for _, tt := range tests {
		got := ParseQuery(tt.q)
		if !reflect.DeepEqual(got.Names, tt.names) || !reflect.DeepEqual(got.Joins, tt.joins) {
			t.Errorf("ParseQuery(%q): names %q joins %q, want %q and %q", tt.q, got.Names, got.Joins, tt.names, tt.joins)
		}
	}
}
