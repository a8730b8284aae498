//! A deterministic demo catalog of any size, in the bench-catalog format
//! (see [`super::import`]): 50 departments with 3 sub-categories each, and
//! products with believable names, descriptions and prices, about 10 %
//! inactive and about 5 % out of stock, many sold in colours or sizes with
//! their own stock and some with their own price.
//!
//! The same seed and size always give byte-identical files: every choice
//! comes from one seeded [`SplitMix64`] in a fixed order, and dates are
//! drawn from a fixed window, never from the clock. Rows are written as they
//! are drawn, so a million products take as little memory as ten.

mod words;

use std::{
    fs::File,
    io::{self, BufWriter},
    path::Path,
};

use chrono::{DateTime, Utc};
use nexus_model::Cents;

use self::words::{DEPARTMENTS, Department, Options};
use super::{
    admin::slugify,
    export::{self, CategoryLine, ProductLine, VariantLine},
    import::{self, Progress},
};

pub const DEFAULT_PRODUCTS: usize = 20_000;
pub const DEFAULT_SEED: u64 = 42;

/// Products are created within the two years from 2024-11-01T00:00:00Z.
const FIRST_CREATED_AT: i64 = 1_730_419_200;
const CREATED_WINDOW_SECS: u64 = 730 * 24 * 3600;
const PROGRESS_EVERY: usize = 10_000;

/// What [`generate`] wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    pub categories: usize,
    pub products: usize,
    /// Products with `is_active = false`.
    pub inactive: usize,
    /// Products with no stock at all (in their variants, or their own).
    pub out_of_stock: usize,
    /// Rows of `variants.csv`.
    pub variants: usize,
    /// Variants with a price of their own.
    pub variant_prices: usize,
}

/// Writes `categories.csv`, `products.csv` and `variants.csv` with
/// `products` products drawn from `seed` into `dir` (created if missing,
/// files replaced). Reports progress every 10,000 products.
pub fn generate(dir: &Path, products: usize, seed: u64, progress: Progress<'_>) -> Result<DemoSummary, io::Error> {
    std::fs::create_dir_all(dir)?;
    let create = |name: &str| File::create(dir.join(name)).map(BufWriter::new);
    let mut categories = export::csv_writer(create("categories.csv")?, &import::CATEGORY_COLUMNS)?;
    let mut product_rows = export::csv_writer(create("products.csv")?, &import::PRODUCT_COLUMNS)?;
    let mut variant_rows = export::csv_writer(create("variants.csv")?, &import::VARIANT_COLUMNS)?;
    let mut summary = DemoSummary::default();

    for (index, department) in DEPARTMENTS.iter().enumerate() {
        let id = department_id(index);
        let description = format!("Everything in {}.", department.name.to_lowercase());
        categories.serialize(CategoryLine {
            id,
            parent_id: None,
            name: department.name,
            slug: &slugify(department.name),
            description: &description,
        })?;
        for (sub, (name, _)) in department.subs.iter().enumerate() {
            let description = format!("{name} from our {} department.", department.name.to_lowercase());
            categories.serialize(CategoryLine {
                id: sub_category_id(index, sub),
                parent_id: Some(id),
                name,
                slug: &slugify(name),
                description: &description,
            })?;
        }
        summary.categories += 1 + department.subs.len();
    }

    let mut rng = SplitMix64::new(seed);
    let mut next_variant_id = 1;
    for id in 1..=products {
        let product = DrawnProduct::draw(&mut rng, id as i64);
        let sku = format!("NX-{id:06}");
        let stock: i64 = if product.variants.is_empty() {
            i64::from(product.stock)
        } else {
            // Ignored by the import (variants carry the stock); the sum is the honest figure.
            product.variants.iter().map(|v| i64::from(v.stock)).sum()
        };
        product_rows.serialize(ProductLine {
            id: product.id,
            category_id: product.category_id,
            name: &product.name,
            slug: &format!("{}-{id}", slugify(&product.name)),
            sku: &sku,
            description: &product.description,
            price: export::Decimal(product.price),
            stock,
            is_active: product.is_active,
            created_at: export::Timestamp(product.created_at),
        })?;
        for variant in &product.variants {
            variant_rows.serialize(VariantLine {
                id: next_variant_id,
                product_id: product.id,
                sku: &format!("{sku}-{}", variant.sku_suffix()),
                name: &variant.name(),
                options: &variant.options_json(),
                price: variant.price.map(export::Decimal),
                stock: variant.stock,
            })?;
            next_variant_id += 1;
            summary.variant_prices += usize::from(variant.price.is_some());
        }
        summary.products += 1;
        summary.variants += product.variants.len();
        summary.inactive += usize::from(!product.is_active);
        summary.out_of_stock += usize::from(stock == 0);
        if id % PROGRESS_EVERY == 0 || id == products {
            progress("products", id, products);
        }
    }
    categories.flush()?;
    product_rows.flush()?;
    variant_rows.flush()?;
    Ok(summary)
}

/// Departments are ids 1, 5, 9, …, each followed by its three sub-categories.
fn department_id(index: usize) -> i64 {
    (index * 4 + 1) as i64
}

fn sub_category_id(department: usize, sub: usize) -> i64 {
    department_id(department) + 1 + sub as i64
}

struct DrawnProduct {
    id: i64,
    category_id: i64,
    name: String,
    description: String,
    price: Cents,
    /// Its own stock, used when it has no variants.
    stock: i32,
    is_active: bool,
    created_at: DateTime<Utc>,
    variants: Vec<DrawnVariant>,
}

struct DrawnVariant {
    color: Option<&'static str>,
    size: Option<&'static str>,
    price: Option<Cents>,
    stock: i32,
}

impl DrawnProduct {
    fn draw(rng: &mut SplitMix64, id: i64) -> Self {
        let department_index = rng.below(DEPARTMENTS.len() as u64) as usize;
        let department = &DEPARTMENTS[department_index];
        let sub = rng.below(department.subs.len() as u64) as usize;
        let noun = rng.pick(department.subs[sub].1);
        let name = format!("{} {} {noun}", rng.pick(words::BRANDS), rng.pick(words::STYLES));
        let description = describe(rng, &name);
        let price = draw_price(rng, department);
        let is_active = rng.below(100) >= 10;
        let sold_out = rng.below(100) < 5;
        let created_at = DateTime::from_timestamp(FIRST_CREATED_AT + rng.below(CREATED_WINDOW_SECS) as i64, 0)
            .expect("the creation window lies within chrono's range");
        let mut variants = if rng.below(100) < 45 { draw_variants(rng, department.options, price) } else { Vec::new() };
        let mut stock = 1 + rng.below(300) as i32;
        if sold_out {
            stock = 0;
            variants.iter_mut().for_each(|v| v.stock = 0);
        }
        Self {
            id,
            category_id: sub_category_id(department_index, sub),
            name,
            description,
            price,
            stock,
            is_active,
            created_at,
            variants,
        }
    }
}

fn describe(rng: &mut SplitMix64, name: &str) -> String {
    let first = rng.below(words::FEATURES.len() as u64) as usize;
    // A different second feature: step 1..len-1 places on.
    let second = (first + 1 + rng.below(words::FEATURES.len() as u64 - 1) as usize) % words::FEATURES.len();
    format!(
        "The {name} {}. It is {} and {}. {}",
        rng.pick(words::OPENINGS),
        words::FEATURES[first],
        words::FEATURES[second],
        rng.pick(words::MATERIALS),
    )
}

/// A price in the department's range, skewed towards the cheaper end, ending
/// in .99, .95, .49 or .00 like shop prices do.
fn draw_price(rng: &mut SplitMix64, department: &Department) -> Cents {
    let (low, high) = department.price;
    let span = u64::from(high - low) + 1;
    let units = u64::from(low) + rng.below(span).min(rng.below(span));
    let ending = *rng.pick(&[99, 99, 99, 95, 49, 0]);
    Cents((units * 100 + ending) as i64)
}

fn draw_variants(rng: &mut SplitMix64, options: Options, price: Cents) -> Vec<DrawnVariant> {
    let variant = |color, size| DrawnVariant { color, size, price: None, stock: 0 };
    let mut variants: Vec<DrawnVariant> = match options {
        Options::None => return Vec::new(),
        Options::Color => {
            let count = 2 + rng.below(3) as usize;
            distinct(rng, words::COLORS, count).into_iter().map(|color| variant(Some(color), None)).collect()
        }
        Options::Size | Options::ShoeSize => {
            let (sizes, fewest) = match options {
                Options::Size => (words::SIZES, 3),
                _ => (words::SHOE_SIZES, 4),
            };
            let count = fewest + rng.below(3) as usize;
            let first = rng.below((sizes.len() - count + 1) as u64) as usize;
            let run = &sizes[first..first + count];
            // One in five sized products also comes in two colours.
            let colors = if rng.below(5) == 0 { distinct(rng, words::COLORS, 2) } else { Vec::new() };
            if colors.is_empty() {
                run.iter().map(|size| variant(None, Some(*size))).collect()
            } else {
                colors.iter().flat_map(|color| run.iter().map(|size| variant(Some(*color), Some(*size)))).collect()
            }
        }
    };
    // Large sizes and premium finishes cost about a tenth more; a few others are on sale.
    let step = Cents(((price.0 / 10) / 100).max(1) * 100);
    for variant in &mut variants {
        let premium = variant.size.is_some_and(|s| words::LARGE_SIZES.contains(&s))
            || variant.color.is_some_and(|c| words::PREMIUM_COLORS.contains(&c));
        variant.price = if premium {
            Some(Cents(price.0 + step.0))
        } else if rng.below(100) < 8 && price.0 > step.0 {
            Some(Cents(price.0 - step.0))
        } else {
            None
        };
        // Some combinations are sold out while the product is not.
        variant.stock = if rng.below(100) < 8 { 0 } else { 1 + rng.below(150) as i32 };
    }
    variants
}

/// `count` different entries of `from`, in the order drawn.
fn distinct(rng: &mut SplitMix64, from: &'static [&'static str], count: usize) -> Vec<&'static str> {
    let mut chosen: Vec<&'static str> = Vec::with_capacity(count);
    while chosen.len() < count.min(from.len()) {
        let candidate = *rng.pick(from);
        if !chosen.contains(&candidate) {
            chosen.push(candidate);
        }
    }
    chosen
}

impl DrawnVariant {
    fn name(&self) -> String {
        match (self.color, self.size) {
            (Some(color), Some(size)) => format!("{color} / {size}"),
            (Some(one), None) | (None, Some(one)) => one.to_owned(),
            (None, None) => "Default".to_owned(),
        }
    }

    fn sku_suffix(&self) -> String {
        let parts: Vec<String> = [self.color, self.size].into_iter().flatten().map(str::to_uppercase).collect();
        parts.join("-")
    }

    /// Keys in the order PostgreSQL's `jsonb` prints them (shorter first), so
    /// an export of the imported catalog writes the same text.
    fn options_json(&self) -> String {
        match (self.color, self.size) {
            (Some(color), Some(size)) => format!(r#"{{"size": "{size}", "color": "{color}"}}"#),
            (Some(color), None) => format!(r#"{{"color": "{color}"}}"#),
            (None, Some(size)) => format!(r#"{{"size": "{size}"}}"#),
            (None, None) => "{}".to_owned(),
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): tiny, fast, and plenty random
/// for picking demo data. Not for anything secret.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (Lemire's multiply-shift; the bias is below 2⁻³²
    /// for the small bounds used here). `bound` must not be zero.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "below(0) has no value to return");
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    pub fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // First outputs for seed 1234567 from the reference C implementation.
        let mut rng = SplitMix64::new(1234567);
        assert_eq!(rng.next_u64(), 6457827717110365317);
        assert_eq!(rng.next_u64(), 3203168211198807973);
    }

    #[test]
    fn below_stays_in_range_and_reaches_both_ends() {
        let mut rng = SplitMix64::new(7);
        let drawn: HashSet<u64> = (0..1000).map(|_| rng.below(5)).collect();
        assert_eq!(drawn, HashSet::from([0, 1, 2, 3, 4]));
    }

    #[test]
    fn category_slugs_are_unique_and_well_formed() {
        let mut slugs = HashSet::new();
        for department in &DEPARTMENTS {
            for name in std::iter::once(department.name).chain(department.subs.iter().map(|(name, _)| *name)) {
                let slug = slugify(name);
                assert!(import::is_slug(&slug), "{slug}");
                assert!(slugs.insert(slug.clone()), "{slug} twice");
            }
        }
        assert_eq!(slugs.len(), 200);
    }

    #[test]
    fn variants_are_distinct_and_priced_from_the_product() {
        let mut rng = SplitMix64::new(42);
        for _ in 0..200 {
            let variants = draw_variants(&mut rng, Options::Size, Cents(4_999));
            let skus: HashSet<String> = variants.iter().map(DrawnVariant::sku_suffix).collect();
            assert_eq!(skus.len(), variants.len());
            for variant in &variants {
                assert!(variant.price.is_none_or(|p| p == Cents(5_399) || p == Cents(4_599)), "{:?}", variant.price);
            }
        }
    }
}
