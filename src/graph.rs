//! `svc graph`: the services and their calls, as Graphviz DOT or Mermaid.
//!
//! The picture is built from the checked [`Model`] as a small [`Graph`]
//! (groups, nodes, edges, in model order), then printed by one function per
//! format, so both formats always show the same thing.

use crate::model::Model;

/// A service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The service's declaration name.
    pub service: String,
    /// Its DNS name, for services with `discovery`.
    pub dns_name: Option<String>,
}

/// The services registered in one namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The namespace's declaration name.
    pub namespace: String,
    /// Its DNS domain.
    pub domain: String,
    /// Indexes into [`Graph::nodes`].
    pub nodes: Vec<usize>,
}

/// A call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Index of the caller in [`Graph::nodes`].
    pub from: usize,
    /// Index of the callee.
    pub to: usize,
    /// The callee's port, e.g. `8080/tcp`.
    pub port: String,
}

/// Services grouped by namespace, and their calls.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Graph {
    /// Every service, in model order.
    pub nodes: Vec<Node>,
    /// One group per namespace that has services, in model order.
    pub groups: Vec<Group>,
    /// Every call, callers in model order, each caller's calls in source order.
    pub edges: Vec<Edge>,
}

impl Graph {
    /// The graph of a checked model.
    pub fn new(model: &Model) -> Graph {
        let nodes: Vec<Node> = model
            .services
            .iter()
            .map(|s| Node {
                service: s.name.clone(),
                dns_name: s.discovery.as_ref().map(|d| d.dns_name(model)),
            })
            .collect();
        let groups = model
            .namespaces
            .iter()
            .map(|ns| Group {
                namespace: ns.name.clone(),
                domain: ns.domain.clone(),
                nodes: model
                    .services
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.discovery.as_ref().is_some_and(|d| d.namespace == ns.name))
                    .map(|(i, _)| i)
                    .collect(),
            })
            .filter(|g| !g.nodes.is_empty())
            .collect();
        let index = |name: &str| model.services.iter().position(|s| s.name == name);
        let edges = model
            .services
            .iter()
            .enumerate()
            .flat_map(|(from, s)| {
                s.calls.iter().filter_map(move |c| {
                    Some(Edge {
                        from,
                        to: index(&c.service)?,
                        port: format!("{}/{}", c.port, c.protocol.as_aws()),
                    })
                })
            })
            .collect();
        Graph {
            nodes,
            groups,
            edges,
        }
    }

    /// Nodes in no group (services without `discovery`).
    fn ungrouped(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(|i| !self.groups.iter().any(|g| g.nodes.contains(i)))
    }

    /// Graphviz DOT: a `digraph`, one `cluster_` subgraph per namespace.
    pub fn dot(&self) -> String {
        let mut out = String::from("digraph svc {\n  rankdir=LR;\n  node [shape=box];\n");
        let node = |out: &mut String, indent: &str, i: usize| {
            let n = &self.nodes[i];
            let label = match &n.dns_name {
                Some(dns) => format!("{}\n{dns}", n.service),
                None => n.service.clone(),
            };
            out.push_str(&format!(
                "{indent}{} [label={}];\n",
                dot_id(&n.service),
                dot_id(&label)
            ));
        };
        for g in &self.groups {
            out.push_str(&format!(
                "  subgraph {} {{\n    label={};\n",
                dot_id(&format!("cluster_{}", g.namespace)),
                dot_id(&format!("{} ({})", g.namespace, g.domain))
            ));
            for &i in &g.nodes {
                node(&mut out, "    ", i);
            }
            out.push_str("  }\n");
        }
        for i in self.ungrouped() {
            node(&mut out, "  ", i);
        }
        for e in &self.edges {
            out.push_str(&format!(
                "  {} -> {} [label={}];\n",
                dot_id(&self.nodes[e.from].service),
                dot_id(&self.nodes[e.to].service),
                dot_id(&e.port)
            ));
        }
        out.push_str("}\n");
        out
    }

    /// A Mermaid flowchart, one subgraph per namespace. Node ids are `s0`,
    /// `s1`, ... (service names such as `end` are Mermaid keywords); the
    /// labels carry the names.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        let node = |out: &mut String, indent: &str, i: usize| {
            let n = &self.nodes[i];
            let label = match &n.dns_name {
                Some(dns) => format!("{}<br/>{dns}", n.service),
                None => n.service.clone(),
            };
            out.push_str(&format!("{indent}s{i}[{}]\n", mermaid_text(&label)));
        };
        for (k, g) in self.groups.iter().enumerate() {
            out.push_str(&format!(
                "  subgraph ns{k}[{}]\n",
                mermaid_text(&format!("{} ({})", g.namespace, g.domain))
            ));
            for &i in &g.nodes {
                node(&mut out, "    ", i);
            }
            out.push_str("  end\n");
        }
        for i in self.ungrouped() {
            node(&mut out, "  ", i);
        }
        for e in &self.edges {
            out.push_str(&format!(
                "  s{} -->|{}| s{}\n",
                e.from,
                mermaid_text(&e.port),
                e.to
            ));
        }
        out
    }
}

/// A DOT quoted id: `"..."` with `"` and `\` escaped and newlines as `\n`.
fn dot_id(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Mermaid quoted text: `"..."` with `"` as `#quot;`.
fn mermaid_text(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "#quot;"))
}
