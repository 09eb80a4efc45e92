//! A small HTTP proxy in front of the test registry that injects faults: rate limits,
//! corrupted or malformed manifests, a hang, an endpoint that stops mid-run, and a Docker
//! token service (Bearer challenges, refresh-token exchange as ACR does it). It only
//! listens on 127.0.0.1 and forwards to the registry given.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Runs once, when the proxy stops (it stops the registry behind it).
pub type OnStop = Arc<Mutex<Option<Box<dyn FnOnce() + Send>>>>;

/// What the proxy does to the registry's answers.
#[derive(Clone)]
pub enum Fault {
    /// The first `times` manifest requests are answered 429 with this Retry-After.
    RateLimit { times: usize, retry_after: Option<u64> },
    /// Manifest bodies get one byte more; the announced digest stays.
    CorruptManifest,
    /// Manifest bodies are not JSON; the announced digest matches them.
    MalformedManifest,
    /// Requests are read and never answered.
    Hang,
    /// After the first manifest is answered, `stop` runs (it stops the registry) and the
    /// proxy closes its port.
    StopAfterFirstManifest(OnStop),
    /// Registry requests need `Bearer <access>`; the token service at /token gives it for
    /// a POST with `grant_type=refresh_token&refresh_token=<refresh>`, or (when
    /// `anonymous`) for a plain GET.
    Token { refresh: String, anonymous: bool },
}

pub struct Proxy {
    pub addr: String,
    /// Requests seen, for assertions.
    pub requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

const ACCESS: &str = "access-token-for-tests";

pub fn start(upstream: &str, fault: Fault) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let manifests = Arc::new(AtomicUsize::new(0));
    let upstream = upstream.to_string();
    let (stop2, requests2, addr2) = (stop.clone(), requests.clone(), addr.clone());
    std::thread::spawn(move || {
        while !stop2.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((stream, _)) => {
                    let (fault, upstream, requests, manifests, stop, addr) = (
                        fault.clone(),
                        upstream.clone(),
                        requests2.clone(),
                        manifests.clone(),
                        stop2.clone(),
                        addr2.clone(),
                    );
                    std::thread::spawn(move || {
                        let _ = handle(stream, &upstream, &addr, &fault, &requests, &manifests, &stop);
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    Proxy { addr, requests, stop }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn read_request(stream: &TcpStream) -> std::io::Result<Request> {
    stream.set_nonblocking(false)?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    Ok(Request { method, path, headers, body })
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn write_answer(mut stream: &TcpStream, a: &Answer) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n", a.status, a.body.len());
    for (k, v) in &a.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(&a.body)?;
    stream.flush()
}

fn forward(upstream: &str, req: &Request) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut call = agent.get(format!("http://{upstream}{}", req.path));
    for name in ["accept", "authorization"] {
        if let Some(v) = req.header(name) {
            call = call.header(name, v);
        }
    }
    match call.call() {
        Ok(mut r) => {
            let headers = ["content-type", "docker-content-digest", "www-authenticate"]
                .iter()
                .filter_map(|n| {
                    r.headers().get(*n).and_then(|v| v.to_str().ok()).map(|v| (n.to_string(), v.to_string()))
                })
                .collect();
            let status = r.status().as_u16();
            let body = r.body_mut().read_to_vec().unwrap_or_default();
            Answer { status, headers, body }
        }
        Err(e) => Answer { status: 502, headers: vec![], body: e.to_string().into_bytes() },
    }
}

fn handle(
    stream: TcpStream,
    upstream: &str,
    addr: &str,
    fault: &Fault,
    requests: &Mutex<Vec<String>>,
    manifests: &AtomicUsize,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    let req = read_request(&stream)?;
    requests.lock().unwrap().push(format!("{} {}", req.method, req.path));
    let is_manifest = req.path.contains("/manifests/");
    let mut answer = match fault {
        Fault::Hang => {
            std::thread::sleep(Duration::from_secs(5));
            return Ok(());
        }
        Fault::RateLimit { times, retry_after } if is_manifest && manifests.fetch_add(1, Ordering::SeqCst) < *times => {
            let headers = retry_after.map(|s| vec![("Retry-After".to_string(), s.to_string())]).unwrap_or_default();
            Answer {
                status: 429,
                headers,
                body: br#"{"errors":[{"code":"TOOMANYREQUESTS","message":"pull rate limit"}]}"#.to_vec(),
            }
        }
        Fault::Token { refresh, anonymous } if req.path.starts_with("/token") => {
            let form = String::from_utf8_lossy(&req.body).into_owned();
            let good_post = req.method == "POST"
                && form.contains("grant_type=refresh_token")
                && form.split('&').any(|kv| kv == format!("refresh_token={refresh}"))
                && form.contains("scope=repository%3A");
            if good_post || (req.method == "GET" && *anonymous) {
                Answer { status: 200, headers: vec![], body: format!(r#"{{"access_token":"{ACCESS}"}}"#).into_bytes() }
            } else {
                Answer {
                    status: 401,
                    headers: vec![],
                    body: br#"{"errors":[{"code":"UNAUTHORIZED","message":"invalid refresh token"}]}"#.to_vec(),
                }
            }
        }
        Fault::Token { .. } if req.header("authorization") != Some(format!("Bearer {ACCESS}").as_str()) => Answer {
            status: 401,
            headers: vec![(
                "WWW-Authenticate".into(),
                format!(r#"Bearer realm="http://{addr}/token",service="{addr}",scope="repository:x:pull""#),
            )],
            body: br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.to_vec(),
        },
        _ => {
            let mut plain = Request {
                headers: req.headers.clone(),
                body: vec![],
                method: req.method.clone(),
                path: req.path.clone(),
            };
            if matches!(fault, Fault::Token { .. }) {
                plain.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
            }
            forward(upstream, &plain)
        }
    };
    if is_manifest && answer.status == 200 {
        match fault {
            Fault::CorruptManifest => answer.body.push(b' '),
            Fault::MalformedManifest => {
                answer.body = b"<html>this is not a manifest</html>".to_vec();
                let digest = super::oci::sha256(&answer.body);
                answer.headers.retain(|(k, _)| k != "docker-content-digest" && k != "content-type");
                answer.headers.push(("Docker-Content-Digest".into(), digest));
                answer.headers.push(("Content-Type".into(), super::oci::OCI_MANIFEST.into()));
            }
            _ => {}
        }
    }
    if let (Fault::StopAfterFirstManifest(on_stop), true) = (fault, is_manifest) {
        // Stop the registry and close the port before answering, so the client's next
        // request finds nothing listening.
        if let Some(f) = on_stop.lock().unwrap().take() {
            f();
            stop.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    write_answer(&stream, &answer)
}
