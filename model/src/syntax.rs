//! Syntax checks shared by the validator's rules and the harness's claim
//! checks, so both judge a ULID or a timestamp by one definition.

/// Whether `s` is a ULID: 26 Crockford base32 characters, the first 0-7.
pub fn is_ulid(s: &str) -> bool {
    const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    s.len() == 26
        && s.bytes().next().is_some_and(|b| (b'0'..=b'7').contains(&b))
        && s.chars().all(|c| ALPHABET.contains(c.to_ascii_uppercase()))
}

/// Whether `s` is an RFC 3339 `date-time` (the ISO 8601 extended profile).
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !matches!(b.get(10), Some(b'T' | b't'))
    {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let max_day = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > max_day {
        return false;
    }
    let (Some(h), Some(m), Some(sec)) = (digits(11..13), digits(14..16), digits(17..19)) else {
        return false;
    };
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') || h > 23 || m > 59 || sec > 60 {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let (Some(oh), Some(om)) = (digits(i + 1..i + 3), digits(i + 4..i + 6)) else {
                return false;
            };
            b.get(i + 3) == Some(&b':') && oh <= 23 && om <= 59 && i + 6 == b.len()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulids() {
        assert!(is_ulid("01CP6XM0KVB9V1BQDZ9NK8VP29"));
        assert!(is_ulid("01cp6xm0kvb9v1bqdz9nk8vp29"));
        assert!(!is_ulid("81CP6XM0KVB9V1BQDZ9NK8VP29"));
        assert!(!is_ulid("01CP6XM0KVB9V1BQDZ9NK8VP2"));
        assert!(!is_ulid("01CP6XM0KVB9V1BQDZ9NK8VPIL"));
        assert!(!is_ulid("my-claim-id"));
    }

    #[test]
    fn timestamps() {
        assert!(is_rfc3339("2018-08-30T20:39:55.549002887-06:00"));
        assert!(is_rfc3339("2020-02-29T00:00:00Z"));
        assert!(!is_rfc3339("2019-02-29T00:00:00Z"));
        assert!(!is_rfc3339("2018-08-30 20:39:55Z"));
        assert!(!is_rfc3339("2018-08-30T20:39:55"));
        assert!(!is_rfc3339("2018-13-30T20:39:55Z"));
        assert!(!is_rfc3339("2018-08-30T24:00:00Z"));
        assert!(!is_rfc3339("2018-08-30T20:39:55.Z"));
        assert!(!is_rfc3339("yesterday"));
        assert!(!is_rfc3339("2018-08-30T20:39:55+0600"));
    }
}
