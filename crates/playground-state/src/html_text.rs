//! Text placed inside HTML or SVG markup built as a string (the trade-off charts, the panic screen):
//! whatever it holds is shown, never run.

/// `text` with the five markup characters replaced by their entities.
pub fn escaped(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_characters_become_entities_and_the_rest_stays() {
        assert_eq!(
            super::escaped(r#"<a href="x" onclick='y'>&τ</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;τ&lt;/a&gt;"
        );
    }
}
