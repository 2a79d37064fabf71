package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/cnabio/cnab-go/claim"
)

// cnab-go v0.25 has no claim store: Action.Run returns the claim result and
// leaves persisting it to the caller. This store is the plainest one that
// fits the protocol: one JSON file per document, as cnab-go marshals it,
// under the case's workdir.
type store struct {
	dir string
}

// Kinds of stored documents, one directory each.
const (
	kindClaims  = "claims"
	kindResults = "results"
)

// newStore opens the records of one installation. The name is hex-encoded
// so that any name the suite sends is a safe directory name.
func newStore(workdir, installation string) store {
	return store{dir: filepath.Join(workdir, "cnab-go-claims", hex.EncodeToString([]byte(installation)))}
}

// list returns the stored documents of one kind, oldest first.
func (s store) list(kind string) ([]json.RawMessage, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, kind))
	if errors.Is(err, os.ErrNotExist) {
		return []json.RawMessage{}, nil
	}
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() && filepath.Ext(e.Name()) == ".json" {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	docs := make([]json.RawMessage, 0, len(names))
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(s.dir, kind, n))
		if err != nil {
			return nil, err
		}
		docs = append(docs, json.RawMessage(b))
	}
	return docs, nil
}

// save writes one document as the newest of its kind and returns its bytes.
func (s store) save(kind, id string, doc interface{}) (json.RawMessage, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(s.dir, kind)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	tmp := filepath.Join(dir, "."+id+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return nil, err
	}
	final := filepath.Join(dir, fmt.Sprintf("%06d-%s.json", len(entries), id))
	if err := os.Rename(tmp, final); err != nil {
		return nil, err
	}
	return b, nil
}

// lastClaim returns the newest stored claim, decoded by cnab-go.
func (s store) lastClaim() (*claim.Claim, error) {
	docs, err := s.list(kindClaims)
	if err != nil || len(docs) == 0 {
		return nil, err
	}
	var c claim.Claim
	if err := json.Unmarshal(docs[len(docs)-1], &c); err != nil {
		return nil, fmt.Errorf("stored claim is unreadable: %v", err)
	}
	return &c, nil
}

// forget deletes every record of the installation.
func (s store) forget() error {
	return os.RemoveAll(s.dir)
}
