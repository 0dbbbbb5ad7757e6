/**
 * The demo's OIDC issuer: oauth2-mock-server on 127.0.0.1 (discovery document, JWKS, token endpoint), issuing RS256
 * access tokens shaped like a real deployment's (RFC 9068 `at+jwt`): iss, sub, client_id, aud, scope, groups (an
 * array), jti, token_use "access". Clients get tokens the usual way, over HTTP from the token endpoint:
 *   - the analyst agent, a machine: `client_credentials` grant, HTTP Basic client authentication, scope crm/read;
 *   - people (support staff, admins) through the console client: `password` grant; groups come from the directory below.
 * The mock checks no secrets or passwords: it stands in for your IdP, not for its security.
 */
import { randomUUID } from 'node:crypto';
import { OAuth2Server } from 'oauth2-mock-server';

/**
 * The personas the demo shows. `settings` are the audience, client ids and scope of examples/local-demo.ts (the
 * construct props the proxy is synthesized from).
 */
export function demoPersonas(settings) {
  return {
    analyst: {
      title: 'analyst agent (machine client, read-only scope)',
      grant: 'client_credentials',
      clientId: settings.analystClientId,
      scope: settings.readScope,
    },
    support: {
      title: 'support agent (user sam, group support)',
      grant: 'password',
      clientId: settings.consoleClientId,
      username: 'sam',
      groups: ['support'],
      scope: `openid ${settings.readScope} crm/write`,
    },
    admin: {
      title: 'admin (user ada, group admins)',
      grant: 'password',
      clientId: settings.consoleClientId,
      username: 'ada',
      groups: ['admins'],
      scope: `openid ${settings.readScope} crm/write`,
    },
  };
}

/** The token request of a persona, as form fields (and the HTTP Basic client for machine clients). */
function tokenRequest(persona) {
  if (persona.grant === 'client_credentials') {
    return { form: { grant_type: 'client_credentials', scope: persona.scope }, basicClient: persona.clientId };
  }
  return {
    form: { grant_type: 'password', username: persona.username, password: 'demo', client_id: persona.clientId, scope: persona.scope },
  };
}

/** The client id of a token request: HTTP Basic (client_secret_basic) first, then the form's client_id. */
function requestClientId(req) {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    return decodeURIComponent(decoded.slice(0, decoded.indexOf(':')).replace(/\+/g, ' '));
  }
  return req.body?.client_id;
}

/**
 * Starts the issuer on 127.0.0.1 (ephemeral port unless given).
 * @param settings `{ audience, analystClientId, consoleClientId, readScope }` (LOCAL_DEMO of examples/local-demo.ts)
 */
export async function startDemoIssuer(settings, port = 0) {
  const personas = demoPersonas(settings);
  const directory = Object.fromEntries(Object.values(personas).filter((p) => p.username).map((p) => [p.username, p.groups]));
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(port, '127.0.0.1');
  // The mock names itself `localhost`; pin the issuer (and every endpoint it advertises) to the loopback address.
  const issuer = `http://127.0.0.1:${server.address().port}`;
  server.issuer.url = issuer;

  // The token endpoint signs the access token first, then (password grant) an id token: tell them apart per request.
  const accessTokenSigned = new WeakSet();
  server.service.on('beforeTokenSigning', (token, req) => {
    const p = token.payload;
    const body = req.body ?? {};
    const clientId = requestClientId(req);
    const subject = body.grant_type === 'password' ? body.username : clientId;
    if (accessTokenSigned.has(req)) {
      p.sub = subject; // the id token: about the same person
      return;
    }
    accessTokenSigned.add(req);
    token.header.typ = 'at+jwt';
    Object.assign(p, {
      // RFC 9068: a client-credentials token's subject is the client itself.
      sub: subject,
      client_id: clientId,
      aud: settings.audience,
      scope: body.scope ?? '',
      jti: randomUUID(),
      token_use: 'access',
    });
    if (body.grant_type === 'password') {
      p.username = body.username;
      p.groups = [...(directory[body.username] ?? [])];
    } else {
      delete p.amr;
    }
  });

  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const tokenUrl = discovery.token_endpoint;

  return {
    issuer,
    tokenUrl,
    personas,
    /** A fresh access token for the persona, from the token endpoint. */
    async token(name) {
      const { form, basicClient } = tokenRequest(personas[name]);
      const headers = { 'content-type': 'application/x-www-form-urlencoded' };
      if (basicClient) headers.authorization = `Basic ${Buffer.from(`${basicClient}:demo-secret`).toString('base64')}`;
      const res = await fetch(tokenUrl, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
      if (!res.ok) throw new Error(`the demo issuer's token endpoint answered HTTP ${res.status}: ${await res.text()}`);
      const json = await res.json();
      if (typeof json.access_token !== 'string') throw new Error('the demo issuer answered without an access_token');
      return json.access_token;
    },
    /** The curl command that gets the persona a token (prints the access token). */
    curl(name) {
      const { form, basicClient } = tokenRequest(personas[name]);
      const fields = Object.entries(form).map(([k, v]) => `-d ${k}=${encodeURIComponent(v)}`).join(' ');
      const auth = basicClient ? ` -u ${basicClient}:demo-secret` : '';
      return `curl -s ${tokenUrl}${auth} ${fields} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token'`;
    },
    stop: () => server.stop(),
  };
}
