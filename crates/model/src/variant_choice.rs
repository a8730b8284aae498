//! Which variant a product page shows, and which option choices the picker
//! offers: a choice is available only when the variant it leads to exists
//! and is in stock.

use std::collections::BTreeSet;

use super::catalog::Variant;

/// The variant named by `wanted_sku`, else the first in stock, else the first.
pub fn initial<'a>(variants: &'a [Variant], wanted_sku: Option<&str>) -> Option<&'a Variant> {
    wanted_sku
        .and_then(|sku| variants.iter().find(|v| v.sku == sku))
        .or_else(|| variants.iter().find(|v| v.stock > 0))
        .or_else(|| variants.first())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionGroup {
    /// The option's name, e.g. `size`.
    pub option: String,
    pub choices: Vec<Choice>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    /// SKU of the variant this choice selects: the one matching the current
    /// selection in every other option, or `None` when no variant does.
    pub target: Option<String>,
    pub sold_out: bool,
    pub selected: bool,
}

/// The picker's groups, in option-name order, values in first-seen order.
pub fn groups(variants: &[Variant], selected: Option<&Variant>) -> Vec<OptionGroup> {
    let names: BTreeSet<&String> = variants.iter().flat_map(|v| v.options.keys()).collect();
    names
        .into_iter()
        .map(|name| {
            let mut values: Vec<&String> = Vec::new();
            for value in variants.iter().filter_map(|v| v.options.get(name)) {
                if !values.contains(&value) {
                    values.push(value);
                }
            }
            let choices = values
                .into_iter()
                .map(|value| {
                    let target = variants.iter().find(|v| {
                        v.options.get(name) == Some(value)
                            && selected.is_none_or(|s| {
                                s.options
                                    .iter()
                                    .all(|(other, wanted)| other == name || v.options.get(other) == Some(wanted))
                            })
                    });
                    Choice {
                        value: value.clone(),
                        target: target.map(|v| v.sku.clone()),
                        sold_out: target.is_none_or(|v| v.stock <= 0),
                        selected: selected.is_some_and(|s| s.options.get(name) == Some(value)),
                    }
                })
                .collect();
            OptionGroup { option: name.clone(), choices }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cents;

    fn variant(sku: &str, options: &[(&str, &str)], stock: i32) -> Variant {
        Variant {
            id: 0,
            sku: sku.into(),
            name: sku.into(),
            options: options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            price_cents: Cents(100),
            stock,
            low_stock_threshold: 5,
        }
    }

    #[test]
    fn the_url_variant_wins_then_the_first_in_stock() {
        let all = [variant("S", &[("size", "S")], 0), variant("M", &[("size", "M")], 3)];
        assert_eq!(initial(&all, Some("S")).unwrap().sku, "S");
        assert_eq!(initial(&all, None).unwrap().sku, "M");
        assert_eq!(initial(&all, Some("nope")).unwrap().sku, "M");
        assert!(initial(&[], None).is_none());
    }

    #[test]
    fn sold_out_choices_are_disabled() {
        let all = [variant("S", &[("size", "S")], 2), variant("XL", &[("size", "XL")], 0)];
        let groups = groups(&all, Some(&all[0]));
        assert_eq!(groups.len(), 1);
        let [small, extra_large] = &groups[0].choices[..] else { panic!() };
        assert!(small.selected && !small.sold_out);
        assert!(extra_large.sold_out && !extra_large.selected);
        assert_eq!(extra_large.target.as_deref(), Some("XL"));
    }

    #[test]
    fn combinations_that_do_not_exist_have_no_target() {
        let all = [
            variant("S-RED", &[("color", "red"), ("size", "S")], 1),
            variant("M-RED", &[("color", "red"), ("size", "M")], 1),
            variant("S-BLUE", &[("color", "blue"), ("size", "S")], 1),
        ];
        let groups = groups(&all, Some(&all[1]));
        let color = &groups[0];
        assert_eq!(color.option, "color");
        let blue = color.choices.iter().find(|c| c.value == "blue").unwrap();
        assert_eq!(blue.target, None, "there is no blue in M");
        assert!(blue.sold_out);
        let size = &groups[1];
        let small = size.choices.iter().find(|c| c.value == "S").unwrap();
        assert_eq!(small.target.as_deref(), Some("S-RED"), "keeps the chosen colour");
    }
}
