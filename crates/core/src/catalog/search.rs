//! Turning what people type into a PostgreSQL text-search query.

/// Words of the search text: lower-case runs of letters and digits, at most
/// eight (more words only narrow the result and slow the query).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(8).map(str::to_lowercase).collect()
}

/// A `to_tsquery` expression matching every word as a prefix, so `head`
/// finds `headphones` while the shopper is still typing. Only letters and
/// digits reach it, so no tsquery syntax can be injected; the expression is
/// still passed as a bound parameter.
pub fn prefix_tsquery(words: &[String]) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    Some(words.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & "))
}

/// Corrects each word that is neither a prefix of a known word nor a number
/// to the closest known word within one typo (an insertion, deletion,
/// substitution or swap of neighbours; two for words of eight letters or
/// more). Returns `None` when nothing changes.
pub fn correct(words: &[String], vocabulary: &[String]) -> Option<Vec<String>> {
    let corrected: Vec<String> = words
        .iter()
        .map(|word| {
            let known =
                word.chars().all(|c| c.is_ascii_digit()) || vocabulary.iter().any(|v| v.starts_with(word.as_str()));
            if known {
                return word.clone();
            }
            let allowed = if word.chars().count() >= 8 { 2 } else { 1 };
            vocabulary
                .iter()
                .map(|candidate| (typo_distance(word, candidate), candidate))
                .filter(|(distance, _)| *distance <= allowed)
                .min()
                .map_or_else(|| word.clone(), |(_, candidate)| candidate.clone())
        })
        .collect();
    (corrected != words).then_some(corrected)
}

/// Optimal string alignment distance (Levenshtein plus swaps of neighbours).
fn typo_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vec<String> {
        ["echo", "headphones", "lamp", "organizer", "set"].map(String::from).to_vec()
    }

    #[test]
    fn one_typo_is_corrected_to_the_closest_known_word() {
        let fix = |text: &str| correct(&words(text), &vocabulary()).map(|w| w.join(" "));
        assert_eq!(fix("lmap").as_deref(), Some("lamp"), "swapped letters");
        assert_eq!(fix("ecko set").as_deref(), Some("echo set"), "wrong letter");
        assert_eq!(fix("hedphones").as_deref(), Some("headphones"), "missing letter");
        assert_eq!(fix("organizzer").as_deref(), Some("organizer"), "extra letter");
        assert_eq!(fix("lamp"), None, "known words stay");
        assert_eq!(fix("head"), None, "prefixes of known words stay");
        assert_eq!(fix("4606"), None, "numbers stay");
        assert_eq!(fix("xyzzy"), None, "nothing close enough");
    }

    #[test]
    fn typo_distance_counts_a_swap_as_one() {
        assert_eq!(typo_distance("lamp", "lmap"), 1);
        assert_eq!(typo_distance("lamp", "lamp"), 0);
        assert_eq!(typo_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn words_are_lowercased_and_stripped_of_syntax() {
        assert_eq!(words("Red  Head-phones!"), vec!["red", "head", "phones"]);
        assert_eq!(words("a:* & b | !c"), vec!["a", "b", "c"]);
        assert!(words("  !!! ").is_empty());
    }

    #[test]
    fn every_word_becomes_a_prefix_term() {
        assert_eq!(prefix_tsquery(&words("head")).as_deref(), Some("head:*"));
        assert_eq!(prefix_tsquery(&words("quiet lamp")).as_deref(), Some("quiet:* & lamp:*"));
        assert_eq!(prefix_tsquery(&[]), None);
    }
}
