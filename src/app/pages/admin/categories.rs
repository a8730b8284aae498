//! `/admin/categories`: the tree with its product counts; create a category,
//! and rename, move or delete one (`?edit=<id>` opens its form). A move
//! under itself or a descendant, and deleting a category that still has
//! products or sub-categories, are refused with the core's message next to
//! the field.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use nexus_model::CategoryNode;

use crate::app::{
    components::{
        error_view::ErrorView,
        form::{FieldError, FormAlert, INPUT_CLASS, PRIMARY_BUTTON_CLASS, SECTION_CLASS, TextField},
    },
    forms::{FormError, last_error},
};

#[server]
pub async fn load_categories() -> Result<Vec<CategoryNode>, ServerFnError> {
    use crate::server::context::{self, CATALOG_UNAVAILABLE, unavailable};
    let (core, _) = context::staff_member().await?;
    core.catalog.category_tree().await.map_err(|e| unavailable("the categories", CATALOG_UNAVAILABLE, &e))
}

#[cfg(feature = "ssr")]
const CATEGORY_LABELS: &[(&str, &str)] = &[("name", "Name"), ("parent_id", "Parent"), ("slug", "Slug")];

/// The parent field: empty for the top level, else a category id.
#[cfg(feature = "ssr")]
fn parent_of(parent_id: &str) -> Result<Option<i64>, FormError> {
    match parent_id.trim() {
        "" => Ok(None),
        id => id.parse().map(Some).map_err(|_| FormError::field("parent_id", "Choose a parent from the list.")),
    }
}

#[server]
pub async fn create_category(name: String, parent_id: String) -> Result<(), FormError> {
    use nexus_core::catalog::admin::NewCategory;

    use crate::server::{context, forms::form_error};
    let (_, staff) = context::staff_form().await?;
    let keep = [("name", name.as_str()), ("parent_id", parent_id.as_str())];
    let parent_id = parent_of(&parent_id).map_err(|error| error.keeping(keep))?;
    let new = NewCategory { name: name.clone(), parent_id, ..NewCategory::default() };
    context::core()
        .catalog
        .create_category(new, staff.user.id)
        .await
        .map_err(|error| form_error(error, CATEGORY_LABELS).keeping(keep))?;
    leptos_axum::redirect("/admin/categories?saved=created");
    Ok(())
}

#[server]
pub async fn update_category(id: i64, name: String, parent_id: String) -> Result<(), FormError> {
    use nexus_core::catalog::admin::CategoryPatch;

    use crate::server::{context, forms::form_error};
    let (_, staff) = context::staff_form().await?;
    let id_text = id.to_string();
    let keep = [("id", id_text.as_str()), ("name", name.as_str()), ("parent_id", parent_id.as_str())];
    let parent_id = parent_of(&parent_id).map_err(|error| error.keeping(keep))?;
    let patch = CategoryPatch { name: Some(name.clone()), parent_id: Some(parent_id), ..CategoryPatch::default() };
    context::core()
        .catalog
        .update_category(id, patch, staff.user.id)
        .await
        .map_err(|error| form_error(error, CATEGORY_LABELS).keeping(keep))?;
    leptos_axum::redirect("/admin/categories?saved=updated");
    Ok(())
}

#[server]
pub async fn delete_category(id: i64) -> Result<(), FormError> {
    use crate::server::{context, forms::form_error};
    let (_, staff) = context::staff_form().await?;
    let id_text = id.to_string();
    context::core()
        .catalog
        .delete_category(id, staff.user.id)
        .await
        .map_err(|error| form_error(error, &[]).keeping([("id", id_text.as_str())]))?;
    leptos_axum::redirect("/admin/categories?saved=deleted");
    Ok(())
}

/// Every category with its depth, in tree order, for the parent pickers.
#[component]
pub fn AdminCategories() -> impl IntoView {
    let tree = Resource::new(|| (), |_| load_categories());
    let query = use_query_map();
    let saved = query.with_untracked(|q| q.get("saved"));
    let editing = query.with_untracked(|q| q.get("edit").and_then(|id| id.parse::<i64>().ok()));
    view! {
        <Title text="Categories"/>
        <h1 class="text-2xl font-bold">"Categories"</h1>
        {saved.map(|what| view! { <p role="status" class="mt-4 rounded-button bg-green-50 px-3 py-2 text-sm text-green-800">{format!("Category {what}.")}</p> })}
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tree.await {
                    Ok(tree) => view! { <CategoryAdmin tree editing/> }.into_any(),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CategoryAdmin(tree: Vec<CategoryNode>, editing: Option<i64>) -> impl IntoView {
    let all: Vec<_> =
        CategoryNode::flatten(&tree).into_iter().map(|(node, depth)| (node.id, depth, node.name.clone())).collect();
    let update_error = last_error(ServerAction::<UpdateCategory>::new());
    let delete_error = last_error(ServerAction::<DeleteCategory>::new());
    // After a failed save or delete, that category's form stays open.
    let failed_id = [&update_error, &delete_error]
        .into_iter()
        .find_map(|error| error.as_ref().and_then(|e| e.value("id")).and_then(|id| id.parse::<i64>().ok()));
    let editing = failed_id.or(editing).and_then(|id| find(&tree, id).cloned());
    let options = StoredValue::new(all);
    view! {
        <div class="mt-6 grid gap-6 xl:grid-cols-[1fr_24rem]">
            <section class=SECTION_CLASS aria-labelledby="tree-heading">
                <h2 id="tree-heading" class="mb-3 text-lg font-semibold">"Tree"</h2>
                <CategoryList nodes=tree/>
            </section>
            <div class="space-y-6">
                {editing.map(|category| view! {
                    <EditCategory category options=options.get_value() update_error=update_error.clone() delete_error=delete_error.clone()/>
                })}
                <NewCategoryForm options=options.get_value()/>
            </div>
        </div>
    }
    .into_any()
}

fn find(nodes: &[CategoryNode], id: i64) -> Option<&CategoryNode> {
    nodes.iter().find_map(|node| if node.id == id { Some(node) } else { find(&node.children, id) })
}

#[component]
fn CategoryList(nodes: Vec<CategoryNode>) -> impl IntoView {
    view! {
        <ul class="space-y-1 text-sm">
            {nodes.into_iter().map(|node| {
                let children = node.children.clone();
                view! {
                    <li>
                        <div class="flex items-center justify-between gap-3 rounded px-2 py-1 hover:bg-surface">
                            <span>
                                <span class="font-medium">{node.name.clone()}</span>
                                <span class="ml-2 text-muted">{format!("{} products", node.product_count)}</span>
                            </span>
                            <a href=format!("/admin/categories?edit={}", node.id) class="text-brand hover:underline"
                               aria-label=format!("Edit {}", node.name)>"Edit"</a>
                        </div>
                        {(!children.is_empty()).then(|| view! { <div class="ml-4 border-l border-line pl-2"><CategoryList nodes=children/></div> }.into_any())}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// A parent picker: the top level, then every category indented by depth.
#[component]
fn ParentSelect(
    id: &'static str,
    options: Vec<(i64, usize, String)>,
    selected: Option<i64>,
    except: Option<i64>,
    error: Option<String>,
) -> impl IntoView {
    let invalid = error.is_some();
    view! {
        <div>
            <label for=id class="block text-sm font-medium">"Parent"</label>
            <select id=id name="parent_id" class=INPUT_CLASS aria-invalid=invalid.then_some("true")
                aria-describedby=invalid.then(|| format!("{id}-error"))>
                <option value="" selected=selected.is_none()>"— Top level —"</option>
                {options.into_iter().filter(|(option, _, _)| Some(*option) != except).map(|(option, depth, name)| view! {
                    <option value=option selected=selected == Some(option)>{format!("{}{name}", "\u{2003}".repeat(depth))}</option>
                }).collect_view()}
            </select>
            <FieldError field=id.to_owned() messages=error.map(|message| vec![message])/>
        </div>
    }
    .into_any()
}

#[component]
fn NewCategoryForm(options: Vec<(i64, usize, String)>) -> impl IntoView {
    let error = last_error(ServerAction::<CreateCategory>::new());
    let typed = |field: &str| error.as_ref().and_then(|e| e.value(field));
    let parent = typed("parent_id").and_then(|id| id.parse().ok());
    view! {
        <section class=SECTION_CLASS aria-labelledby="new-category-heading">
            <h2 id="new-category-heading" class="mb-3 text-lg font-semibold">"New category"</h2>
            <form method="post" action=CreateCategory::url() class="space-y-4" novalidate>
                <FormAlert error=error.clone().filter(|e| e.message.is_some())/>
                <TextField form_id="new-category" name="name" label="Name" value=typed("name").unwrap_or_default()
                    error=error.as_ref().and_then(|e| e.field_message("name"))/>
                <ParentSelect id="new-category-parent" options selected=parent except=None
                    error=error.as_ref().and_then(|e| e.field_message("parent_id"))/>
                <button type="submit" class=PRIMARY_BUTTON_CLASS>"New category"</button>
            </form>
        </section>
    }
    .into_any()
}

#[component]
fn EditCategory(
    category: CategoryNode,
    options: Vec<(i64, usize, String)>,
    update_error: Option<FormError>,
    delete_error: Option<FormError>,
) -> impl IntoView {
    let mine =
        |error: Option<FormError>| error.filter(|e| e.value("id").as_deref() == Some(category.id.to_string().as_str()));
    let (update_error, delete_error) = (mine(update_error), mine(delete_error));
    let typed = |field: &str| update_error.as_ref().and_then(|e| e.value(field));
    let name = typed("name").unwrap_or_else(|| category.name.clone());
    let parent = match typed("parent_id") {
        Some(id) => id.parse().ok(),
        None => category.parent_id,
    };
    view! {
        <section class=SECTION_CLASS aria-labelledby="edit-category-heading">
            <h2 id="edit-category-heading" class="mb-3 text-lg font-semibold">{format!("Edit {}", category.name)}</h2>
            <form method="post" action=UpdateCategory::url() class="space-y-4" novalidate>
                <input type="hidden" name="id" value=category.id/>
                <FormAlert error=update_error.clone().filter(|e| e.message.is_some())/>
                <TextField form_id="edit-category" name="name" label="Name" value=name
                    error=update_error.as_ref().and_then(|e| e.field_message("name"))/>
                <ParentSelect id="edit-category-parent" options selected=parent except=Some(category.id)
                    error=update_error.as_ref().and_then(|e| e.field_message("parent_id"))/>
                <button type="submit" class=PRIMARY_BUTTON_CLASS>"Save"</button>
            </form>
            <form method="post" action=DeleteCategory::url() class="mt-4">
                <input type="hidden" name="id" value=category.id/>
                <FormAlert error=delete_error/>
                <button type="submit" class="mt-2 rounded-button border border-danger px-4 py-2 text-sm font-semibold text-danger hover:bg-danger/5">"Delete"</button>
            </form>
        </section>
    }
    .into_any()
}
