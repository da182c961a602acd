//! A small EC2 Query API client for the three security-group-rule calls of
//! `calls` (DescribeSecurityGroupRules, AuthorizeSecurityGroupIngress,
//! RevokeSecurityGroupIngress): SigV4-signed form POSTs over the same
//! rustls connector as the SDK clients, responses read with
//! aws-smithy-xml. aws-sdk-ec2 would do the same but costs more than ten
//! CPU minutes and ~8 GB of memory to compile (docs/apply.md).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use aws_smithy_xml::decode::{try_data, Document, ScopedDecoder};

use super::aws::CallCounter;
use super::cloud::CloudResult;
use super::desired::{DIngressRule, Tags};
use super::observed::OIngressRule;

/// The EC2 API version of the Query protocol.
const API_VERSION: &str = "2016-11-15";
/// Attempts for throttling and server errors.
const ATTEMPTS: u32 = 5;

/// Signs and sends EC2 Query requests.
pub struct Ec2 {
    connector: aws_smithy_http_client::Connector,
    credentials: SharedCredentialsProvider,
    region: String,
    endpoint: String,
    counter: Arc<CallCounter>,
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The first child element named `name` of `el`, as text.
fn text_of(el: &mut ScopedDecoder, name: &str) -> Option<String> {
    while let Some(mut child) = el.next_tag() {
        if child.start_el().local() == name {
            return try_data(&mut child).ok().map(|s| s.to_string());
        }
    }
    None
}

/// The `item`s of a `tagSet`.
fn tag_set(el: &mut ScopedDecoder) -> Tags {
    let mut tags = Tags::new();
    while let Some(mut item) = el.next_tag() {
        let (mut key, mut value) = (None, None);
        while let Some(mut field) = item.next_tag() {
            let data = try_data(&mut field).ok().map(|s| s.to_string());
            match field.start_el().local() {
                "key" => key = data,
                "value" => value = data,
                _ => {}
            }
        }
        if let Some(key) = key {
            tags.insert(key, value.unwrap_or_default());
        }
    }
    tags
}

/// One `item` of a `securityGroupRuleSet`.
fn rule(item: &mut ScopedDecoder) -> OIngressRule {
    let mut r = OIngressRule {
        id: String::new(),
        group: String::new(),
        is_egress: false,
        source: None,
        protocol: String::new(),
        from_port: -1,
        to_port: -1,
        tags: Tags::new(),
    };
    while let Some(mut field) = item.next_tag() {
        let name = field.start_el().local().to_string();
        match name.as_str() {
            "referencedGroupInfo" => r.source = text_of(&mut field, "groupId"),
            "tagSet" => r.tags = tag_set(&mut field),
            _ => {
                let data = try_data(&mut field)
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                match name.as_str() {
                    "securityGroupRuleId" => r.id = data,
                    "groupId" => r.group = data,
                    "isEgress" => r.is_egress = data == "true",
                    "ipProtocol" => r.protocol = data,
                    "fromPort" => r.from_port = data.parse().unwrap_or(-1),
                    "toPort" => r.to_port = data.parse().unwrap_or(-1),
                    _ => {}
                }
            }
        }
    }
    r
}

/// The rules of a response's `securityGroupRuleSet`, and its `nextToken`.
fn rules(xml: &str) -> CloudResult<(Vec<OIngressRule>, Option<String>)> {
    let mut doc = Document::new(xml);
    let mut root = doc
        .root_element()
        .map_err(|e| format!("EC2 response is not XML: {e}"))?;
    let (mut out, mut next) = (Vec::new(), None);
    while let Some(mut el) = root.next_tag() {
        match el.start_el().local() {
            "securityGroupRuleSet" => {
                while let Some(mut item) = el.next_tag() {
                    out.push(rule(&mut item));
                }
            }
            "nextToken" => {
                next = try_data(&mut el)
                    .ok()
                    .map(|s| s.to_string())
                    .filter(|s| !s.is_empty())
            }
            _ => {}
        }
    }
    Ok((out, next))
}

/// `Code: Message` of an error response.
fn error_of(xml: &str) -> Option<(String, String)> {
    let mut doc = Document::new(xml);
    let mut root = doc.root_element().ok()?;
    while let Some(mut errors) = root.next_tag() {
        if errors.start_el().local() != "Errors" {
            continue;
        }
        let mut error = errors.next_tag()?;
        let (mut code, mut message) = (String::new(), String::new());
        while let Some(mut field) = error.next_tag() {
            let data = try_data(&mut field)
                .map(|s| s.to_string())
                .unwrap_or_default();
            match field.start_el().local() {
                "Code" => code = data,
                "Message" => message = data,
                _ => {}
            }
        }
        return Some((code, message));
    }
    None
}

impl Ec2 {
    /// A client for `region`, at `endpoint` when given (moto, LocalStack).
    pub fn new(
        credentials: SharedCredentialsProvider,
        region: &str,
        endpoint: Option<&str>,
        counter: Arc<CallCounter>,
    ) -> Ec2 {
        let connector = aws_smithy_http_client::Connector::builder()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build();
        let suffix = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        let endpoint = endpoint
            .map(|e| e.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("https://ec2.{region}.{suffix}"));
        Ec2 {
            connector,
            credentials,
            region: region.to_string(),
            endpoint,
            counter,
        }
    }

    /// Sends `Action` with `params`; the response body on success.
    pub async fn call(&self, action: &str, params: &[(String, String)]) -> CloudResult<String> {
        let mut body = format!("Action={action}&Version={API_VERSION}");
        for (k, v) in params {
            body.push_str(&format!("&{}={}", encode(k), encode(v)));
        }
        let url = format!("{}/", self.endpoint);
        let mut delay = Duration::from_millis(200);
        for attempt in 1..=ATTEMPTS {
            self.counter.record(&format!("EC2.{action}"));
            let (status, text) = self.send(&url, &body).await?;
            if (200..300).contains(&status) {
                return Ok(text);
            }
            let (code, message) = error_of(&text).unwrap_or_else(|| (status.to_string(), text));
            let retry = status >= 500 || code == "RequestLimitExceeded" || code == "Throttling";
            if !retry || attempt == ATTEMPTS {
                return Err(format!("{action}: {code}: {message}"));
            }
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
        unreachable!("the last attempt returns")
    }

    async fn send(&self, url: &str, body: &str) -> CloudResult<(u16, String)> {
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| format!("EC2: no credentials: {e}"))?;
        let identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("ec2")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("EC2: signing: {e}"))?
            .into();
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let signable = SignableRequest::new(
            "POST",
            url,
            [("content-type", content_type)].into_iter(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| format!("EC2: signing: {e}"))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| format!("EC2: signing: {e}"))?
            .into_parts();
        let mut request = HttpRequest::new(SdkBody::from(body.to_string()));
        request
            .set_method("POST")
            .map_err(|e| format!("EC2: {e}"))?;
        request
            .set_uri(url.to_string())
            .map_err(|e| format!("EC2: {url}: {e}"))?;
        request
            .headers_mut()
            .insert("content-type", content_type.to_string());
        for (name, value) in instructions.headers() {
            request
                .headers_mut()
                .insert(name.to_string(), value.to_string());
        }
        let response = self
            .connector
            .call(request)
            .await
            .map_err(|e| format!("EC2 {url}: {e}"))?;
        let status = response.status().as_u16();
        let bytes = ByteStream::new(response.into_body())
            .collect()
            .await
            .map_err(|e| format!("EC2 {url}: {e}"))?
            .into_bytes();
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// DescribeSecurityGroupRules with one filter, every page.
    pub async fn describe_rules(
        &self,
        filter: &str,
        values: &[String],
    ) -> CloudResult<Vec<OIngressRule>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut params = vec![
                ("Filter.1.Name".to_string(), filter.to_string()),
                ("MaxResults".to_string(), "1000".to_string()),
            ];
            for (i, v) in values.iter().enumerate() {
                params.push((format!("Filter.1.Value.{}", i + 1), v.clone()));
            }
            if let Some(t) = &token {
                params.push(("NextToken".to_string(), t.clone()));
            }
            let text = self.call("DescribeSecurityGroupRules", &params).await?;
            let (rules, next) = rules(&text)?;
            out.extend(rules);
            match next {
                Some(t) if Some(&t) != token.as_ref() => token = Some(t),
                _ => return Ok(out),
            }
        }
    }

    /// AuthorizeSecurityGroupIngress of one rule with its tags; the new
    /// rule's id.
    pub async fn authorize(&self, d: &DIngressRule) -> CloudResult<String> {
        let mut params: Vec<(String, String)> = vec![
            ("GroupId".into(), d.group.clone()),
            ("IpPermissions.1.IpProtocol".into(), d.protocol.clone()),
            ("IpPermissions.1.FromPort".into(), d.port.to_string()),
            ("IpPermissions.1.ToPort".into(), d.port.to_string()),
            ("IpPermissions.1.Groups.1.GroupId".into(), d.source.clone()),
            (
                "IpPermissions.1.Groups.1.Description".into(),
                d.description.clone(),
            ),
            (
                "TagSpecification.1.ResourceType".into(),
                "security-group-rule".into(),
            ),
        ];
        for (i, (k, v)) in d.tags.iter().enumerate() {
            params.push((format!("TagSpecification.1.Tag.{}.Key", i + 1), k.clone()));
            params.push((format!("TagSpecification.1.Tag.{}.Value", i + 1), v.clone()));
        }
        let text = self
            .call("AuthorizeSecurityGroupIngress", &params)
            .await
            .map_err(|e| format!("ingress-rule {}: {e}", d.label()))?;
        Ok(rules(&text)?
            .0
            .into_iter()
            .next()
            .map(|r| r.id)
            .unwrap_or_default())
    }

    /// CreateTags (`set`) and DeleteTags (`remove`) on one resource.
    pub async fn retag(&self, id: &str, set: &Tags, remove: &[String]) -> CloudResult<()> {
        if !set.is_empty() {
            let mut params = vec![("ResourceId.1".to_string(), id.to_string())];
            for (i, (k, v)) in set.iter().enumerate() {
                params.push((format!("Tag.{}.Key", i + 1), k.clone()));
                params.push((format!("Tag.{}.Value", i + 1), v.clone()));
            }
            self.call("CreateTags", &params)
                .await
                .map_err(|e| format!("{id}: CreateTags: {e}"))?;
        }
        if !remove.is_empty() {
            let mut params = vec![("ResourceId.1".to_string(), id.to_string())];
            for (i, k) in remove.iter().enumerate() {
                params.push((format!("Tag.{}.Key", i + 1), k.clone()));
            }
            self.call("DeleteTags", &params)
                .await
                .map_err(|e| format!("{id}: DeleteTags: {e}"))?;
        }
        Ok(())
    }

    /// RevokeSecurityGroupIngress of one rule by id.
    pub async fn revoke(&self, group: &str, rule_id: &str) -> CloudResult<()> {
        let params = [
            ("GroupId".to_string(), group.to_string()),
            ("SecurityGroupRuleId.1".to_string(), rule_id.to_string()),
        ];
        self.call("RevokeSecurityGroupIngress", &params)
            .await
            .map_err(|e| format!("ingress-rule {rule_id}: {e}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rules_tags_and_the_next_token() {
        let xml = r#"<DescribeSecurityGroupRulesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <securityGroupRuleSet>
    <item>
      <securityGroupRuleId>sgr-1</securityGroupRuleId>
      <groupId>sg-api</groupId>
      <isEgress>false</isEgress>
      <ipProtocol>tcp</ipProtocol>
      <fromPort>8080</fromPort>
      <toPort>8080</toPort>
      <referencedGroupInfo><groupId>sg-web</groupId><userId>1</userId></referencedGroupInfo>
      <tagSet><item><key>managed-by</key><value>svc</value></item></tagSet>
    </item>
    <item>
      <securityGroupRuleId>sgr-2</securityGroupRuleId>
      <groupId>sg-api</groupId>
      <isEgress>true</isEgress>
      <ipProtocol>-1</ipProtocol>
      <fromPort>-1</fromPort>
      <toPort>-1</toPort>
      <cidrIpv4>0.0.0.0/0</cidrIpv4>
      <tagSet/>
    </item>
  </securityGroupRuleSet>
  <nextToken>page-2</nextToken>
</DescribeSecurityGroupRulesResponse>"#;
        let (rules, next) = rules(xml).unwrap();
        assert_eq!(next.as_deref(), Some("page-2"));
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].id, "sgr-1");
        assert_eq!(rules[0].source.as_deref(), Some("sg-web"));
        assert_eq!((rules[0].from_port, rules[0].to_port), (8080, 8080));
        assert_eq!(
            rules[0].tags.get("managed-by").map(String::as_str),
            Some("svc")
        );
        assert!(!rules[0].is_egress && rules[1].is_egress);
        assert_eq!(rules[1].source, None);
    }

    #[test]
    fn reads_errors_and_encodes_values() {
        let xml = "<Response><Errors><Error><Code>InvalidGroup.NotFound</Code><Message>no sg-1</Message></Error></Errors><RequestID>r</RequestID></Response>";
        assert_eq!(
            error_of(xml),
            Some(("InvalidGroup.NotFound".into(), "no sg-1".into()))
        );
        assert_eq!(
            encode("svc: web calls api on 80/tcp"),
            "svc%3A%20web%20calls%20api%20on%2080%2Ftcp"
        );
    }
}
