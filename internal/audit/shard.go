package audit

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is one part of a sharded audit: projects whose key hashes to Index
// (1-based) of Count. The partition depends on the key alone, so every run
// with the same Count splits a server the same way, whatever the order in
// which projects are listed or the jobs are started.
type Shard struct {
	Index, Count int
}

// Whole is the unsharded audit.
var Whole = Shard{Index: 1, Count: 1}

// MaxShards bounds --shard's N: Azure Pipelines' parallel strategy allows
// at most 99 jobs.
const MaxShards = 99

// ParseShard reads "K/N".
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("%q is not K/N (e.g. 2/4)", s)
	}
	ki, err1 := strconv.Atoi(strings.TrimSpace(k))
	ni, err2 := strconv.Atoi(strings.TrimSpace(n))
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("%q is not K/N with whole numbers (e.g. 2/4)", s)
	}
	sh := Shard{Index: ki, Count: ni}
	return sh, sh.Validate()
}

// Validate checks 1 <= Index <= Count <= MaxShards.
func (s Shard) Validate() error {
	switch {
	case s.Count < 1 || s.Count > MaxShards:
		return fmt.Errorf("shard count %d is not between 1 and %d", s.Count, MaxShards)
	case s.Index < 1 || s.Index > s.Count:
		return fmt.Errorf("shard %d is not between 1 and %d", s.Index, s.Count)
	}
	return nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Info is the shard as the report names it.
func (s Shard) Info() ShardInfo { return ShardInfo(s) }

// Owns reports whether the project key belongs to this shard: FNV-1a of
// the key, modulo Count.
func (s Shard) Owns(key string) bool {
	if s.Count <= 1 {
		return true
	}
	return ShardOf(key, s.Count) == s.Index
}

// ShardOf is the 1-based shard of a project key among count shards.
func ShardOf(key string, count int) int {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum64()%uint64(count)) + 1
}
