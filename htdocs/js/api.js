// The REST client: JSON in and out, SPEC.md's error shape turned into an
// ApiError, and the admin CSRF token sent on mutations.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
  // True when the server never answered (offline, connection refused).
  get network() {
    return this.status === 0;
  }
}

let csrfToken = null;
export function setCsrf(token) {
  csrfToken = token || null;
}
export function getCsrf() {
  return csrfToken;
}

function offline() {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}

// request('POST', '/api/ratings', {meme_id: 1}) -> parsed JSON body.
// Throws ApiError (status 0 for network failures, without touching the
// network at all when the browser knows it is offline).
export async function request(method, path, body, { signal } = {}) {
  if (offline()) throw new ApiError(0, 'offline', 'You are offline.');
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', signal, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The server cannot be reached.');
  }
  let data = null;
  const text = await res.text().catch(() => '');
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(res.status, err.code || `http_${res.status}`,
      err.message || `The server answered ${res.status}.`);
  }
  return data;
}

export const api = {
  get: (path, opts) => request('GET', path, undefined, opts),
  post: (path, body, opts) => request('POST', path, body === undefined ? {} : body, opts),
  patch: (path, body, opts) => request('PATCH', path, body, opts),
};

// GET /api/config, fetched once per page load and shared by whoever asks
// (the join URL, the WebSocket base).  A failed fetch is forgotten, so
// the next caller tries again.
let siteConfigPromise = null;
export function siteConfig() {
  if (!siteConfigPromise) {
    siteConfigPromise = api.get('/api/config').catch((e) => {
      siteConfigPromise = null;
      throw e;
    });
  }
  return siteConfigPromise;
}

// Multipart upload with progress (fetch cannot report upload progress).
// onProgress(fraction 0..1).  Resolves to the parsed JSON body.
export function upload(path, files, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const f of files) form.append('files', f, f.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.responseType = 'text';
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload failed: the server cannot be reached.'));
    xhr.onload = () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else {
        const err = (data && data.error) || {};
        reject(new ApiError(xhr.status, err.code || `http_${xhr.status}`,
          err.message || `The upload failed (${xhr.status}).`));
      }
    };
    xhr.send(form);
  });
}
