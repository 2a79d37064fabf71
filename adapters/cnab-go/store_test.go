package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTheStoreListsOldestFirstPastTenRecords(t *testing.T) {
	st := newStore(t.TempDir(), "demo")
	// IDs that sort the other way round from the order they were saved in.
	for i := 12; i > 0; i-- {
		id := strings.Repeat("z", i)
		if _, err := st.save(kindResults, id, map[string]int{"n": 13 - i}); err != nil {
			t.Fatal(err)
		}
	}
	docs, err := st.list(kindResults)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 12 {
		t.Fatalf("listed %d", len(docs))
	}
	for i, d := range docs {
		var v map[string]int
		if err := json.Unmarshal(d, &v); err != nil {
			t.Fatal(err)
		}
		if v["n"] != i+1 {
			t.Fatalf("record %d is %s", i, d)
		}
	}
}

func TestInstallationNamesCannotLeaveTheWorkdir(t *testing.T) {
	work := t.TempDir()
	st := newStore(work, "../../escape")
	if _, err := st.save(kindClaims, "id", map[string]string{}); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(work, st.dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		t.Fatalf("store dir %s is outside %s", st.dir, work)
	}
	if _, err := os.Stat(filepath.Join(work, "..", "escape")); err == nil {
		t.Fatalf("a record was written outside the workdir")
	}
}

func TestAnUnknownInstallationHasEmptyListsNotNull(t *testing.T) {
	resp, err := claims(installationRequest{Protocol: protocolID, Installation: "none", Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(resp)
	if !strings.Contains(string(b), `"claims":[]`) || !strings.Contains(string(b), `"results":[]`) {
		t.Fatalf("response %s", b)
	}
}
