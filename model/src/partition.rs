//! Shards of a run: `k/n` or `hash:k/n`, the same in both binaries.
//!
//! A key (a case ID, or a file's path relative to the directory it was found
//! under) belongs to shard `fnv1a64(key) % n + 1`. The assignment depends on
//! nothing but the key, so an item stays on its shard as the set grows, and
//! the shards of one `n` are disjoint and together cover every key.

/// One shard of `count`, numbered from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    shard: u64,
    count: u64,
}

impl Partition {
    /// Shard `shard` of `count`; `None` unless `1 <= shard <= count`.
    pub fn new(shard: u64, count: u64) -> Option<Partition> {
        (shard >= 1 && shard <= count).then_some(Partition { shard, count })
    }

    /// The shard, from 1.
    pub fn shard(&self) -> u64 {
        self.shard
    }

    /// The number of shards.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether the item with this key belongs to the shard.
    pub fn contains(&self, key: &str) -> bool {
        fnv1a64(key.as_bytes()) % self.count == self.shard - 1
    }
}

impl std::str::FromStr for Partition {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let spec = s.strip_prefix("hash:").unwrap_or(s);
        let bad =
            || format!("invalid partition `{s}`: expected `k/n` or `hash:k/n` with 1 <= k <= n");
        let (k, n) = spec.split_once('/').ok_or_else(bad)?;
        let shard: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        Partition::new(shard, count).ok_or_else(bad)
    }
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "hash:{}/{}", self.shard, self.count)
    }
}

/// The 64-bit FNV-1a hash: small, fixed forever, and the same on every
/// platform, which is all a shard assignment needs.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_published_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn partitions_parse_and_print() {
        let p: Partition = "2/5".parse().unwrap();
        assert_eq!(p, "hash:2/5".parse().unwrap());
        assert_eq!(p.to_string(), "hash:2/5");
        assert_eq!((p.shard(), p.count()), (2, 5));
        for bad in [
            "0/1", "2/1", "1/0", "x", "1/x", "hash:0/0", "", "hash:", "-1/2",
        ] {
            let e = bad.parse::<Partition>().unwrap_err();
            assert!(e.starts_with("invalid partition"), "{bad}: {e}");
        }
    }

    #[test]
    fn every_key_is_in_exactly_one_shard() {
        for key in [
            "a.json",
            "x/y/z.json",
            "<stdin>",
            "",
            "actions.stateless-no-record",
        ] {
            for n in 1..=6u64 {
                let owners = (1..=n)
                    .filter(|k| Partition::new(*k, n).unwrap().contains(key))
                    .count();
                assert_eq!(owners, 1, "{key} in {n}");
            }
        }
    }
}
