//! XEP-0004: Data Forms — the submit forms Kith sends (pubsub options) and the fields it
//! reads from forms it is sent (XEP-0128 disco extensions).

use minidom::Element;

use super::xml::Attrs;

use super::ns;

/// A field as read: its `var` and values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub var: Option<String>,
    pub values: Vec<String>,
}

/// A received form, reduced to its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pub fields: Vec<Field>,
}

impl Form {
    pub fn read(x: &Element) -> Form {
        let fields = x
            .children()
            .filter(|c| c.is("field", ns::DATA_FORMS))
            .map(|f| Field {
                var: f.attr("var").map(str::to_owned),
                values: f
                    .children()
                    .filter(|v| v.is("value", ns::DATA_FORMS))
                    .map(Element::text)
                    .collect(),
            })
            .collect();
        Form { fields }
    }
}

/// One `<field var=…><value>…</value></field>` of a submitted form.
pub fn field(var: &str, value: &str) -> Element {
    Element::builder("field", ns::DATA_FORMS)
        .a("var", var)
        .append(value_element(value))
        .build()
}

fn value_element(value: &str) -> Element {
    Element::builder("value", ns::DATA_FORMS)
        .append(value)
        .build()
}

/// `<x type='submit'>` with the hidden `FORM_TYPE` first, then `fields` in order.
pub fn submit(form_type: &str, fields: impl IntoIterator<Item = Element>) -> Element {
    let hidden = Element::builder("field", ns::DATA_FORMS)
        .a("type", "hidden")
        .a("var", "FORM_TYPE")
        .append(value_element(form_type))
        .build();
    Element::builder("x", ns::DATA_FORMS)
        .a("type", "submit")
        .append(hidden)
        .append_all(fields)
        .build()
}
