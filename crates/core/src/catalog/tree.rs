//! The category tree, built in memory from the flat `categories` rows (a few
//! hundred at most, cached as one entry). Subtrees, breadcrumbs and counts
//! are derived here instead of with a query each.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use nexus_model::{CategoryDetail, CategoryNode, CategoryRef, CategorySummary};

/// One `categories` row with the number of listed products filed directly in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CategoryRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub position: i32,
    pub direct_count: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CategoryTree {
    rows: Vec<CategoryRow>,
}

impl CategoryTree {
    /// `rows` must be ordered by position, then name (siblings keep that order).
    pub fn new(rows: Vec<CategoryRow>) -> Self {
        Self { rows }
    }

    fn by_id(&self) -> HashMap<i64, &CategoryRow> {
        self.rows.iter().map(|row| (row.id, row)).collect()
    }

    fn children_of(&self, parent: Option<i64>) -> impl Iterator<Item = &CategoryRow> {
        self.rows.iter().filter(move |row| row.parent_id == parent)
    }

    /// Slugs of every category, in tree order of the rows.
    pub fn slugs(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().map(|row| row.slug.as_str())
    }

    pub fn find_by_id(&self, id: i64) -> Option<&CategoryRow> {
        self.rows.iter().find(|row| row.id == id)
    }

    pub fn find(&self, slug: &str) -> Option<&CategoryRow> {
        self.rows.iter().find(|row| row.slug == slug)
    }

    /// The category and all its descendants.
    pub fn subtree_ids(&self, id: i64) -> Vec<i64> {
        let mut ids = vec![id];
        let mut next = 0;
        while next < ids.len() {
            let parent = ids[next];
            ids.extend(self.children_of(Some(parent)).map(|row| row.id));
            next += 1;
        }
        ids
    }

    /// Ancestors of `id`, root first, not including `id`. Stops on a
    /// corrupted (cyclic) chain rather than looping.
    pub fn ancestors(&self, id: i64) -> Vec<CategoryRef> {
        let by_id = self.by_id();
        let mut chain = Vec::new();
        let mut current = by_id.get(&id).and_then(|row| row.parent_id);
        while let Some(parent) = current.and_then(|pid| by_id.get(&pid)) {
            if chain.len() > self.rows.len() {
                break;
            }
            chain.push(reference(parent));
            current = parent.parent_id;
        }
        chain.reverse();
        chain
    }

    /// Would making `new_parent` the parent of `id` create a cycle?
    pub fn would_cycle(&self, id: i64, new_parent: i64) -> bool {
        self.subtree_ids(id).contains(&new_parent)
    }

    fn node(&self, row: &CategoryRow) -> CategoryNode {
        let children: Vec<CategoryNode> = self.children_of(Some(row.id)).map(|child| self.node(child)).collect();
        let product_count = row.direct_count + children.iter().map(|c| c.product_count).sum::<i64>();
        CategoryNode {
            id: row.id,
            name: row.name.clone(),
            slug: row.slug.clone(),
            parent_id: row.parent_id,
            product_count,
            children,
        }
    }

    pub fn roots(&self) -> Vec<CategoryNode> {
        self.children_of(None).map(|row| self.node(row)).collect()
    }

    pub fn detail(&self, slug: &str) -> Option<CategoryDetail> {
        let row = self.find(slug)?;
        let node = self.node(row);
        Some(CategoryDetail {
            id: row.id,
            name: row.name.clone(),
            slug: row.slug.clone(),
            description: row.description.clone(),
            parent_id: row.parent_id,
            product_count: node.product_count,
            children: node.children,
            ancestors: self.ancestors(row.id),
        })
    }

    /// Top-level categories, biggest first.
    pub fn departments(&self) -> Vec<CategorySummary> {
        let mut departments: Vec<CategorySummary> = self
            .roots()
            .into_iter()
            .map(|node| CategorySummary {
                id: node.id,
                slug: node.slug,
                name: node.name,
                product_count: node.product_count,
            })
            .collect();
        departments.sort_by_key(|d| std::cmp::Reverse(d.product_count));
        departments
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

pub fn reference(row: &CategoryRow) -> CategoryRef {
    CategoryRef { id: row.id, slug: row.slug.clone(), name: row.name.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, parent_id: Option<i64>, direct_count: i64) -> CategoryRow {
        CategoryRow {
            id,
            parent_id,
            name: format!("C{id}"),
            slug: format!("c{id}"),
            description: String::new(),
            position: 0,
            direct_count,
        }
    }

    fn tree() -> CategoryTree {
        // 1 ─┬─ 2 ── 4
        //    └─ 3
        // 5
        CategoryTree::new(vec![
            row(1, None, 1),
            row(2, Some(1), 2),
            row(3, Some(1), 3),
            row(4, Some(2), 4),
            row(5, None, 0),
        ])
    }

    #[test]
    fn subtrees_include_every_descendant() {
        let mut ids = tree().subtree_ids(1);
        ids.sort();
        assert_eq!(ids, vec![1, 2, 3, 4]);
        assert_eq!(tree().subtree_ids(4), vec![4]);
    }

    #[test]
    fn counts_add_up_the_subtree() {
        let roots = tree().roots();
        assert_eq!(roots[0].product_count, 10);
        assert_eq!(roots[0].children[0].product_count, 6);
        assert_eq!(roots[1].product_count, 0);
        assert_eq!(tree().departments()[0].slug, "c1");
    }

    #[test]
    fn breadcrumbs_run_from_the_root() {
        let ancestors: Vec<i64> = tree().ancestors(4).iter().map(|c| c.id).collect();
        assert_eq!(ancestors, vec![1, 2]);
        let detail = tree().detail("c2").unwrap();
        assert_eq!(detail.ancestors.len(), 1);
        assert_eq!(detail.children.len(), 1);
    }

    #[test]
    fn moving_a_category_under_its_own_descendant_is_a_cycle() {
        assert!(tree().would_cycle(1, 4));
        assert!(tree().would_cycle(2, 2));
        assert!(!tree().would_cycle(2, 3));
        assert!(!tree().would_cycle(4, 5));
    }
}
