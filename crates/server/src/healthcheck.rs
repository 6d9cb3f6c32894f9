//! `allmine healthcheck`: the container's health check. The runtime image is
//! slim (no curl), so the binary asks its own liveness probe over loopback
//! with a plain HTTP/1.0 `GET` and exits 0 on a 2xx answer, 1 otherwise.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Longest the check waits to connect, and then for the answer.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// Where to reach a server listening on `bind_address` (`BIND_ADDRESS`)
/// from inside its own container: a wildcard address (`0.0.0.0`, `[::]`) is
/// asked on loopback, any other address as it is.
pub fn probe_address(bind_address: &str) -> Result<SocketAddr, String> {
    let address = bind_address
        .to_socket_addrs()
        .map_err(|e| format!("BIND_ADDRESS {bind_address:?} is not an address: {e}"))?
        .next()
        .ok_or_else(|| format!("BIND_ADDRESS {bind_address:?} resolves to no address"))?;
    Ok(match address {
        SocketAddr::V4(v4) if v4.ip().is_unspecified() => {
            SocketAddr::from(([127, 0, 0, 1], v4.port()))
        }
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, v6.port()))
        }
        other => other,
    })
}

/// `GET path` on `address`; `Ok` with the status line when the answer is
/// 2xx, else why not.
pub fn check(address: SocketAddr, path: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT)
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| format!("cannot set timeouts: {e}"))?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("cannot send the request to {address}: {e}"))?;
    // The status line is all that is needed; the body is small anyway.
    let mut head = [0u8; 256];
    let mut read = 0;
    while read < head.len() {
        match stream.read(&mut head[read..]) {
            Ok(0) => break,
            Ok(n) => {
                read += n;
                if head[..read].contains(&b'\n') {
                    break;
                }
            }
            Err(e) => return Err(format!("no answer from {address}: {e}")),
        }
    }
    let text = String::from_utf8_lossy(&head[..read]);
    let status_line = text.lines().next().unwrap_or_default().trim().to_owned();
    let code = status_line.split_whitespace().nth(1).unwrap_or_default();
    if code.len() == 3 && code.starts_with('2') {
        Ok(status_line)
    } else if status_line.is_empty() {
        Err(format!("{address} closed the connection without an answer"))
    } else {
        Err(format!("{address}{path} answered {status_line:?}"))
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::thread;

    use super::*;

    /// A one-shot server on loopback that answers the first request with `answer`.
    fn answering(answer: &'static str) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 512];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(answer.as_bytes());
        });
        address
    }

    #[test]
    fn a_wildcard_bind_address_is_probed_on_loopback_and_others_as_given() {
        assert_eq!(
            probe_address("0.0.0.0:8080").unwrap(),
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(
            probe_address("[::]:9000").unwrap(),
            "[::1]:9000".parse().unwrap()
        );
        assert_eq!(
            probe_address("10.1.2.3:8080").unwrap(),
            "10.1.2.3:8080".parse().unwrap()
        );
        assert!(probe_address("no port").is_err());
    }

    #[test]
    fn a_2xx_answer_is_healthy() {
        let address = answering("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}");
        assert_eq!(check(address, "/health/live").unwrap(), "HTTP/1.1 200 OK");
    }

    #[test]
    fn a_5xx_answer_is_unhealthy_and_says_what_came_back() {
        let address = answering("HTTP/1.1 503 Service Unavailable\r\n\r\n");
        let error = check(address, "/health/live").unwrap_err();
        assert!(error.contains("503 Service Unavailable"), "{error}");
    }

    #[test]
    fn a_closed_connection_or_no_listener_is_unhealthy() {
        let address = answering("");
        let error = check(address, "/health/live").unwrap_err();
        assert!(error.contains("without an answer"), "{error}");

        let free = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = free.local_addr().unwrap();
        drop(free);
        let error = check(address, "/health/live").unwrap_err();
        assert!(error.contains("cannot connect"), "{error}");
    }
}
