//! Tests of where the region is and what is added to it, beside `tests.rs` (which holds the
//! stage's older cases): pages in, text out.

use super::tests::story;
use super::*;

fn page(body: &str) -> String {
    format!("<!DOCTYPE html><html><head><title>Site title</title></head><body>{body}</body></html>")
}

#[test]
fn a_login_dialog_with_its_messages_is_not_article() {
    // A dialog of three forms (log in, register, reset), each with its error messages: they
    // outscore a short article.
    let messages: String = (0..14)
        .map(|i| format!("<p class=\"error\">Message {i}: the password must be long, with a capital, a digit, and a sign.</p>"))
        .collect();
    let html = page(&format!(
        "<div class=\"dialog\">{}</div>\
         <div class=\"story\">{}</div>",
        format!("<form><input type=\"password\" name=\"p\">{messages}</form>").repeat(3),
        story(6, "ferry")
    ));
    let text = extract(&html).text;
    assert!(text.contains("Paragraph 5 about the ferry"), "{text}");
    assert!(!text.contains("password"), "{text}");
}

#[test]
fn a_recipe_whose_ingredients_and_steps_are_modules_of_their_own_is_kept_whole() {
    // The description scores best; the ingredients and the steps, lists in modules of their
    // own, hold under three times its text.
    let description = "<div class=\"intro\"><p>A lemon cake baked in a tray, moist, quick, and \
                       bright, for a crowd, a picnic, or a party in the garden.</p>\
                       <p>It keeps for days, wrapped, and freezes well, sliced or whole.</p></div>";
    let ingredients: String = [
        "250 g butter, soft",
        "250 g sugar",
        "5 eggs",
        "2 lemons, zest and juice",
        "300 g flour",
        "1 packet baking powder",
    ]
    .iter()
    .map(|i| format!("<li>{i}</li>"))
    .collect();
    let steps: String = [
        "Beat the butter and sugar until pale.",
        "Add the eggs one by one.",
        "Fold in the flour and lemon.",
        "Bake for 25 minutes at 180 degrees.",
        "Pour the lemon glaze over the warm cake.",
        "Cut into squares when cool.",
    ]
    .iter()
    .map(|s| format!("<li>{s}</li>"))
    .collect();
    let html = page(&format!(
        "<main>{description}<section class=\"ingredients\"><h2>Ingredients</h2><ul>{ingredients}</ul></section>\
         <section class=\"steps\"><h2>Steps</h2><ol>{steps}</ol></section></main>"
    ));
    let text = extract(&html).text;
    assert!(text.contains("A lemon cake"), "{text}");
    assert!(text.contains("2 lemons, zest and juice"), "{text}");
    assert!(text.contains("Bake for 25 minutes"), "{text}");
}

#[test]
fn text_hidden_by_a_framework_class_is_not_article() {
    // A second copy of the lead and a teaser of the next story, hidden by class words that
    // CSS frameworks set to `display: none`; a part hidden on small screens only stays.
    let lead = "<p class=\"lead\">The council voted to rebuild the old bridge, after years of repairs, closures, and delays.</p>";
    let html = page(&format!(
        "<article>{lead}<div class=\"d-none mobile-lead\">{lead}</div>{}\
         <p class=\"hidden-xs\">The bridge will close for a month, the council said.</p>\
         <div class=\"teaser hidden\"><p>Next story: a new school opens in the north of the city, with a garden.</p></div>\
         <div class=\"Is-Hidden\"><p>Read more about the bridge</p></div></article>",
        story(6, "bridge")
    ));
    let text = extract(&html).text;
    assert_eq!(text.matches("The council voted").count(), 1, "{text}");
    assert!(text.contains("Paragraph 5 about the bridge"), "{text}");
    assert!(text.contains("close for a month"), "{text}");
    assert!(!text.contains("Next story"), "{text}");
    assert!(!text.contains("Read more"), "{text}");
}
