//! Checking a `/predict` body before anything reaches libtorch: JSON tensors or raw 8-bit
//! images, turned into flattened `f32` samples of the model's shape, or a message for a 400.
use serde_json::Value;

/// A checked request: `rows` samples, flattened, row-major.
#[derive(Debug, PartialEq)]
pub struct Samples {
    pub data: Vec<f32>,
    pub rows: usize,
}

/// Most samples one request may carry (the body-size limit bounds it too).
pub const MAX_ROWS: usize = 1024;

/// Parses `{"inputs": <nested arrays of numbers>, "dtype": "float32"}` (`dtype` optional:
/// `float32` or `float64`, both served as `float32`). The array is one sample of one of the
/// `accepted` shapes or a batch `[N, *shape]` of them.
pub fn parse_json(body: &[u8], accepted: &[Vec<i64>]) -> Result<Samples, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("malformed JSON body: {e}"))?;
    let obj = v
        .as_object()
        .ok_or("the body must be a JSON object with an \"inputs\" array")?;
    for k in obj.keys() {
        if k != "inputs" && k != "dtype" {
            return Err(format!(
                "unknown field \"{k}\" (expected \"inputs\" and optionally \"dtype\")"
            ));
        }
    }
    match obj.get("dtype") {
        None => {}
        Some(Value::String(d)) if d == "float32" || d == "float64" => {}
        Some(Value::String(d)) => {
            return Err(format!(
                "dtype \"{d}\" is not served: the model takes float32 (send \"float32\" or \"float64\")"
            ))
        }
        Some(other) => return Err(format!("\"dtype\" must be a string, not {other}")),
    }
    let inputs = obj.get("inputs").ok_or("missing field \"inputs\"")?;
    let mut shape = Vec::new();
    let mut data = Vec::new();
    flatten(
        inputs,
        0,
        &mut shape,
        &mut data,
        &mut String::from("inputs"),
    )?;
    let rows = if accepted.contains(&shape) {
        1
    } else if shape.len() > 1 && accepted.iter().any(|a| a[..] == shape[1..]) {
        shape[0] as usize
    } else {
        let want: Vec<String> = accepted.iter().map(|a| format!("{a:?}")).collect();
        return Err(format!(
            "inputs have shape {shape:?}; expected one sample of shape {} or a batch [N, ...] of them",
            want.join(" or ")
        ));
    };
    if rows == 0 {
        return Err("inputs hold no samples (batch of 0)".into());
    }
    if rows > MAX_ROWS {
        return Err(format!("{rows} samples in one request; at most {MAX_ROWS}"));
    }
    Ok(Samples { data, rows })
}

/// Walks nested arrays depth-first, fixing each level's length on first sight and checking
/// every later array against it; numbers must be finite and fit in `f32`.
fn flatten(
    v: &Value,
    depth: usize,
    shape: &mut Vec<i64>,
    out: &mut Vec<f32>,
    path: &mut String,
) -> Result<(), String> {
    match v {
        Value::Array(items) => {
            if depth == shape.len() {
                if !out.is_empty() {
                    return Err(format!(
                        "{path} is an array where earlier rows have a number: the nesting is ragged"
                    ));
                }
                shape.push(items.len() as i64);
            } else if depth > shape.len() || shape[depth] != items.len() as i64 {
                return Err(format!(
                    "{path} has {} elements where earlier rows have {}: the nesting is ragged",
                    items.len(),
                    shape.get(depth).copied().unwrap_or(0)
                ));
            }
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                flatten(item, depth + 1, shape, out, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Number(n) => {
            if depth != shape.len() {
                return Err(format!(
                    "{path} is a number where earlier rows have an array: the nesting is ragged"
                ));
            }
            if depth == 0 {
                return Err("\"inputs\" must be an array of numbers, not a single number".into());
            }
            let x = n
                .as_f64()
                .ok_or_else(|| format!("{path} = {n} is not representable as a float"))?;
            let f = x as f32;
            if !f.is_finite() {
                return Err(format!("{path} = {n} does not fit in float32"));
            }
            out.push(f);
            Ok(())
        }
        other => Err(format!(
            "{path} is {}; expected a number (the model takes float32)",
            kind_name(other)
        )),
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::String(_) => "a string",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::Number(_) => "a number",
    }
}

/// A raw upload (`application/octet-stream`): one or more 8-bit grayscale images of
/// `sample_numel` pixels each, row-major, scaled to `[0, 1]` as the training data were.
pub fn parse_raw(body: &[u8], sample_numel: usize) -> Result<Samples, String> {
    if body.is_empty() || body.len() % sample_numel != 0 {
        return Err(format!(
            "a raw upload must hold whole 8-bit images of {sample_numel} bytes each (28x28 for \
             Fashion-MNIST); got {} bytes",
            body.len()
        ));
    }
    let rows = body.len() / sample_numel;
    if rows > MAX_ROWS {
        return Err(format!("{rows} images in one request; at most {MAX_ROWS}"));
    }
    Ok(Samples {
        data: body.iter().map(|&b| b as f32 / 255.0).collect(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes() -> Vec<Vec<i64>> {
        vec![vec![2, 2], vec![4]]
    }

    #[test]
    fn accepts_one_sample_or_a_batch() {
        let one = parse_json(br#"{"inputs": [[1, 2], [3, 4.5]]}"#, &shapes()).unwrap();
        assert_eq!(
            one,
            Samples {
                data: vec![1.0, 2.0, 3.0, 4.5],
                rows: 1
            }
        );
        let two = parse_json(
            br#"{"inputs": [[1, 2, 3, 4], [5, 6, 7, 8]], "dtype": "float32"}"#,
            &shapes(),
        )
        .unwrap();
        assert_eq!(two.rows, 2);
        assert_eq!(two.data, (1..=8).map(|i| i as f32).collect::<Vec<_>>());
    }

    #[test]
    fn names_what_is_wrong() {
        let err = |b: &str| parse_json(b.as_bytes(), &shapes()).unwrap_err();
        assert!(err("{\"inputs\": [1, 2").starts_with("malformed JSON body"));
        assert_eq!(
            err(r#"{"inputs": [1, 2, 3]}"#),
            "inputs have shape [3]; expected one sample of shape [2, 2] or [4] or a batch [N, ...] of them"
        );
        assert_eq!(
            err(r#"{"inputs": [[1, 2], [3, "x"]]}"#),
            "inputs[1][1] is a string; expected a number (the model takes float32)"
        );
        assert_eq!(
            err(r#"{"inputs": [[1, 2], [3]]}"#),
            "inputs[1] has 1 elements where earlier rows have 2: the nesting is ragged"
        );
        assert_eq!(
            err(r#"{"inputs": [1, 2, 3, 4], "dtype": "int64"}"#),
            "dtype \"int64\" is not served: the model takes float32 (send \"float32\" or \"float64\")"
        );
        assert_eq!(
            err(r#"{"inputs": [1e39, 2, 3, 4]}"#),
            "inputs[0] = 1e+39 does not fit in float32"
        );
        assert_eq!(
            err(r#"{"input": []}"#),
            "unknown field \"input\" (expected \"inputs\" and optionally \"dtype\")"
        );
    }

    #[test]
    fn raw_images_are_scaled() {
        let s = parse_raw(&[0, 255, 51, 102], 4).unwrap();
        assert_eq!(
            s,
            Samples {
                data: vec![0.0, 1.0, 0.2, 0.4],
                rows: 1
            }
        );
        assert!(parse_raw(&[0; 5], 4).unwrap_err().contains("got 5 bytes"));
    }
}
