//! Numbers as each profile spells them: OLPC integers from exact decimal
//! arithmetic, JCS doubles printed as ECMAScript does.

use super::{Profile, MAX_INTEGER_DIGITS};

/// The parts of a JSON number's source text.
pub(super) struct Decimal<'a> {
    negative: bool,
    /// Integer digits then fraction digits.
    int: &'a str,
    frac: &'a str,
    /// The exponent, clamped to a range that cannot overflow.
    exp: i64,
}

pub(super) fn split_number(raw: &str) -> Decimal<'_> {
    let (negative, rest) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let (mantissa, exp_text) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // Exponents beyond this bound already exceed any digit limit or make the
    // value's integral status plain, so clamping them changes no outcome.
    const BOUND: i64 = 1 << 40;
    let exp = exp_text.map_or(0, |t| {
        let (sign, digits) = match t.as_bytes().first() {
            Some(b'-') => (-1, &t[1..]),
            Some(b'+') => (1, &t[1..]),
            _ => (1, t),
        };
        let mut value: i64 = 0;
        for d in digits.bytes() {
            value = (value * 10 + i64::from(d.wrapping_sub(b'0'))).min(BOUND);
        }
        sign * value
    });
    Decimal {
        negative,
        int,
        frac,
        exp,
    }
}

/// Writes a number as `profile` does, or says why it cannot be.
pub(super) fn write_number(raw: &str, profile: Profile) -> Result<String, String> {
    match profile {
        Profile::Olpc => olpc_number(raw),
        Profile::Jcs => jcs_number(raw),
    }
}

/// Writes a number as an OLPC integer, exactly, or says why it cannot be.
pub(super) fn olpc_number(raw: &str) -> Result<String, String> {
    let d = split_number(raw);
    let all = format!("{}{}", d.int, d.frac);
    let leading = all.bytes().take_while(|&b| b == b'0').count();
    let significant = all[leading..].trim_end_matches('0');
    if significant.is_empty() {
        return Ok("0".to_owned());
    }
    // The decimal point sits `point` digits into `significant`.
    let point = d.int.len() as i64 - leading as i64 + d.exp;
    if point < significant.len() as i64 {
        return Err(format!(
            "number `{raw}` is not an integer, and OLPC canonical JSON allows integers only"
        ));
    }
    if point > MAX_INTEGER_DIGITS as i64 {
        return Err(format!(
            "number `{raw}` has more than {MAX_INTEGER_DIGITS} integer digits, too many to write in OLPC canonical JSON"
        ));
    }
    let mut out = String::with_capacity(point as usize + 1);
    if d.negative {
        out.push('-');
    }
    out.push_str(significant);
    for _ in significant.len()..point as usize {
        out.push('0');
    }
    Ok(out)
}

/// Writes a number as JCS does: the nearest double, printed per ECMAScript.
pub(super) fn jcs_number(raw: &str) -> Result<String, String> {
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(es_number_to_string(v)),
        _ => Err(format!(
            "number `{raw}` is beyond the range of an IEEE-754 double, which JCS canonical JSON cannot write"
        )),
    }
}

/// ECMA-262 `Number::toString(x)` for a finite double (radix 10).
pub(super) fn es_number_to_string(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    let mut out = String::new();
    let v = if v < 0.0 {
        out.push('-');
        -v
    } else {
        v
    };
    // Rust's `{:e}` prints the shortest digits that read back as `v`; that
    // fixes their count. When two such digit strings are equally close to
    // `v`, ECMAScript wants the even one, so take the correctly rounded
    // (ties-to-even) digits of that count as long as they read back as `v`.
    let shortest = format!("{v:e}");
    let count = shortest
        .split_once('e')
        .map_or(1, |(m, _)| m.len() - usize::from(m.contains('.')));
    let rounded = format!("{:.*e}", count.saturating_sub(1), v);
    let sci = if rounded.parse::<f64>() == Ok(v) {
        rounded
    } else {
        shortest
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i64;
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.push_str(&"0".repeat((n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat((-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
    out
}
