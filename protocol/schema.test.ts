import { describe, expect, it } from 'vitest';
import { canonicalJson, envelopeSchema, metadataSchema, SCHEMA_IDS, type SchemaError, validateEnvelope, validateMetadata } from './schema.ts';
import type { EcertMetadata, Envelope } from './types.ts';

// A hand-written CoC (protocol/ may not import the fixtures' generator; the generator's output
// for every profile is checked against the schema in fixtures/documents/).
const coc: EcertMetadata = {
  schemaVersion: '1.0',
  documentType: 'coc',
  documentId: 'UZ.SMT.COC.2025.000123',
  revision: 1,
  status: 'issued',
  issueDateTime: '2025-03-14T10:20:00+05:00',
  validFrom: '2025-03-14T10:20:00+05:00',
  validUntil: '2026-03-14T10:20:00+05:00',
  issuePlace: { name: 'Toshkent', countryCode: 'UZ' },
  issuingBody: { name: 'Uzbek Agency for Technical Regulation', countryCode: 'UZ', id: '201052736' },
  conformityAssessmentBody: {
    name: 'Sifat Sertifikatlash va Sinov Markazi MChJ',
    countryCode: 'UZ',
    id: '305118420',
    accreditation: { body: 'OʻzAKK', number: 'UZ.AMT.07.MAI.0611', standard: 'ISO/IEC 17065' },
  },
  applicant: { name: '«Meva Eksport» MChJ', countryCode: 'UZ' },
  manufacturer: { name: '«Meva Eksport» MChJ', countryCode: 'UZ' },
  products: [{ name: 'Quritilgan oʻrik / Dried apricots', hsCode: '081310', quantity: { value: 12000, unit: 'KGM' } }],
  standards: [{ id: 'CODEX STAN 130-1981', title: 'Standard for Dried Apricots' }],
  overallConformance: 'conformant',
  signatory: { name: 'Aziz Karimov', role: 'Head of Certification Department' },
  verifyUrl: 'https://hub.ecert.test/v1/verify/UZ.SMT.COC.2025.000123',
  languages: ['uz-Latn', 'ru', 'en'],
  trustMechanisms: ['qr', 'registry'],
};

const tr: EcertMetadata = (() => {
  const { validFrom: _f, validUntil: _u, ...rest } = coc;
  return {
    ...rest,
    documentType: 'tr',
    documentId: 'UZ.SMT.TR.2025.000124',
    results: [{ criterion: 'Moisture content, ≤ 20', value: 16.4, unit: '%', conformance: 'pass' }],
  };
})();

const envelope: Envelope = {
  envelopeVersion: '1.0',
  metadata: coc,
  file: { mediaType: 'application/pdf', size: 41234, sha256: 'a'.repeat(64), name: 'UZ.SMT.COC.2025.000123.pdf' },
  signature: { subFilter: 'adbe.pkcs7.detached', keyId: 'UZ:0123456789abcdef' },
};

const clone = <T>(v: T): T => structuredClone(v);
function errorsOf(result: ReturnType<typeof validateMetadata> | ReturnType<typeof validateEnvelope>): SchemaError[] {
  expect(result.valid).toBe(false);
  return result.errors;
}

describe('metadata schema', () => {
  it('accepts a complete CoC and a complete TR', () => {
    expect(validateMetadata(coc)).toEqual({ valid: true, value: coc, errors: [] });
    expect(validateMetadata(tr).valid).toBe(true);
  });

  it('takes any ISO-shaped country code (data, not a list of five)', () => {
    const m = clone(coc);
    m.applicant.countryCode = 'KZ';
    m.manufacturer.countryCode = 'CN';
    expect(validateMetadata(m).valid).toBe(true);
  });

  it('names a missing required field by its path', () => {
    const m = clone(coc) as Partial<EcertMetadata>;
    delete m.signatory;
    expect(errorsOf(validateMetadata(m))).toEqual([{ path: '/signatory', message: 'signatory is required', keyword: 'required' }]);
  });

  it('names a missing nested field', () => {
    const m = clone(coc);
    delete (m.conformityAssessmentBody.accreditation as Partial<typeof m.conformityAssessmentBody.accreditation>).number;
    expect(errorsOf(validateMetadata(m))).toEqual([
      { path: '/conformityAssessmentBody/accreditation/number', message: 'conformityAssessmentBody/accreditation/number is required', keyword: 'required' },
    ]);
  });

  it('rejects an HS code that is not 6 to 10 digits and shows the value', () => {
    for (const bad of ['08.13', '0813', '08131000001', '0813 10']) {
      const m = clone(coc);
      m.products[0]!.hsCode = bad;
      expect(errorsOf(validateMetadata(m))).toEqual([
        {
          path: '/products/0/hsCode',
          message: `products/0/hsCode must be 6 to 10 digits (an HS code without dots or spaces), got ${JSON.stringify(bad)}`,
          keyword: 'pattern',
        },
      ]);
    }
    for (const good of ['081310', '08131000', '0813100000']) {
      const m = clone(coc);
      m.products[0]!.hsCode = good;
      expect(validateMetadata(m).valid).toBe(true);
    }
  });

  it('rejects a country code that is not two capital letters', () => {
    for (const bad of ['uz', 'UZB', 'U1', '']) {
      const m = clone(coc);
      m.issuingBody.countryCode = bad;
      const errors = errorsOf(validateMetadata(m));
      expect(errors).toHaveLength(1);
      expect(errors[0]!.path).toBe('/issuingBody/countryCode');
      expect(errors[0]!.message).toContain('ISO 3166-1 alpha-2');
    }
  });

  it('rejects a validity window on a test report', () => {
    const m = { ...clone(tr), validUntil: '2026-03-14T10:20:00+05:00' };
    expect(errorsOf(validateMetadata(m))).toEqual([
      { path: '/validUntil', message: 'validUntil must be absent in a test report (a TR has no validity window)', keyword: 'false schema' },
    ]);
  });

  it('requires results on a test report and a validity window on a CoC', () => {
    const t = clone(tr) as Partial<EcertMetadata>;
    delete t.results;
    expect(errorsOf(validateMetadata(t)).map((e) => e.path)).toEqual(['/results']);
    const t2 = { ...clone(tr), results: [] };
    expect(errorsOf(validateMetadata(t2))).toEqual([{ path: '/results', message: 'results must have at least 1 item', keyword: 'minItems' }]);
    const c = clone(coc) as Partial<EcertMetadata>;
    delete c.validFrom;
    delete c.validUntil;
    expect(errorsOf(validateMetadata(c)).map((e) => e.path)).toEqual(['/validFrom', '/validUntil']);
  });

  it('rejects validUntil before or equal to validFrom, comparing instants across offsets', () => {
    const m = clone(coc);
    m.validUntil = '2025-03-14T10:20:00+05:00';
    expect(errorsOf(validateMetadata(m))).toEqual([
      {
        path: '/validUntil',
        message: 'validUntil must be after validFrom (2025-03-14T10:20:00+05:00), got "2025-03-14T10:20:00+05:00"',
        keyword: 'validityOrder',
      },
    ]);
    // 06:00Z is 11:00+05:00: after validFrom although the text sorts before it.
    m.validUntil = '2025-03-14T06:00:00Z';
    expect(validateMetadata(m).valid).toBe(true);
    m.validUntil = '2025-03-14T05:00:00Z';
    expect(errorsOf(validateMetadata(m))[0]!.keyword).toBe('validityOrder');
  });

  it('rejects date-times that are not RFC 3339 with an offset, once per field', () => {
    for (const bad of ['2025-03-14', '2025-03-14T10:20:00', '2025-03-14 10:20:00+05:00', '2025-02-30T10:00:00Z', '14.03.2025']) {
      const m = clone(coc);
      m.issueDateTime = bad;
      const errors = errorsOf(validateMetadata(m));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ path: '/issueDateTime' });
      expect(errors[0]!.message).toBe(
        `issueDateTime must be an RFC 3339 date-time with an offset (e.g. 2025-03-01T10:00:00+05:00), got ${JSON.stringify(bad)}`,
      );
    }
  });

  it('rejects unknown fields, a bad document id and a non-URL verifyUrl', () => {
    const m = { ...clone(coc), note: 'x', documentId: 'UZ/COC/1', verifyUrl: 'hub.ecert.test/verify' };
    const errors = errorsOf(validateMetadata(m));
    expect(errors.map((e) => e.path).sort()).toEqual(['/documentId', '/note', '/verifyUrl']);
    expect(errors.find((e) => e.path === '/note')!.message).toBe('note is not allowed here (unknown field)');
    expect(errors.find((e) => e.path === '/documentId')!.message).toContain('URL-safe ASCII');
    expect(errors.find((e) => e.path === '/verifyUrl')!.message).toContain('absolute http(s) URL');
  });

  it('reports a value of the wrong type and an unknown enum value', () => {
    const m = { ...clone(coc), revision: '1', status: 'valid' };
    const errors = errorsOf(validateMetadata(m));
    expect(errors).toContainEqual({ path: '/revision', message: 'revision must be of type integer, got "1"', keyword: 'type' });
    expect(errors).toContainEqual({
      path: '/status',
      message: 'status must be one of "issued", "amended", "suspended", "withdrawn", got "valid"',
      keyword: 'enum',
    });
  });

  it('says what is wrong with a value that is not an object at all', () => {
    expect(errorsOf(validateMetadata('{"documentType":"coc"}'))).toEqual([{ path: '', message: 'document must be of type object, got "{\\"documentType\\":\\"coc\\"}"', keyword: 'type' }]);
    expect(errorsOf(validateMetadata(null))[0]!.path).toBe('');
  });

  it('speaks Russian when asked, with the same paths and keywords', () => {
    const m = clone(coc);
    m.products[0]!.hsCode = '08.13';
    const ru = errorsOf(validateMetadata(m, { lang: 'ru' }));
    expect(ru).toEqual([
      { path: '/products/0/hsCode', message: 'products/0/hsCode должен состоять из 6–10 цифр (код ТН ВЭД / HS без точек и пробелов), получено "08.13"', keyword: 'pattern' },
    ]);
    const t = { ...clone(tr), validFrom: '2025-03-14T10:20:00+05:00' };
    expect(errorsOf(validateMetadata(t, { lang: 'ru' }))[0]!.message).toBe('validFrom не допускается в протоколе испытаний (у протокола нет срока действия)');
    const e = clone(envelope) as Partial<Envelope>;
    delete e.signature;
    expect(errorsOf(validateEnvelope(e, { lang: 'ru' }))[0]!.message).toBe('signature: обязательное поле отсутствует');
  });
});

describe('envelope schema', () => {
  it('accepts a complete envelope', () => {
    expect(validateEnvelope(envelope).valid).toBe(true);
  });

  it('validates the embedded metadata through the metadata schema, with paths under /metadata', () => {
    const e = clone(envelope);
    e.metadata.products[0]!.hsCode = '8516';
    e.metadata.validUntil = '2024-01-01T00:00:00Z';
    const errors = errorsOf(validateEnvelope(e));
    expect(errors.map((x) => [x.path, x.keyword])).toEqual([
      ['/metadata/products/0/hsCode', 'pattern'],
      ['/metadata/validUntil', 'validityOrder'],
    ]);
  });

  it('rejects a bad hash, size, media type, sub-filter, key id and file name', () => {
    const e = {
      ...clone(envelope),
      file: { mediaType: 'application/octet-stream', size: 0, sha256: 'A'.repeat(64), name: '../x.pdf' },
      signature: { subFilter: 'adbe.x509.rsa_sha1', keyId: 'UZ:0123' },
    };
    const errors = errorsOf(validateEnvelope(e));
    expect(errors.map((x) => x.path).sort()).toEqual([
      '/file/mediaType',
      '/file/name',
      '/file/sha256',
      '/file/size',
      '/signature/keyId',
      '/signature/subFilter',
    ]);
    expect(errors.find((x) => x.path === '/file/sha256')!.message).toBe(
      `file/sha256 must be a SHA-256 digest of 64 lowercase hex characters, got "${'A'.repeat(64)}"`,
    );
    expect(errors.find((x) => x.path === '/signature/keyId')!.message).toContain('registry key id');
  });
});

describe('schema objects', () => {
  it('have stable $ids that the envelope uses to reference the metadata schema', () => {
    expect(SCHEMA_IDS).toEqual({
      metadata: 'https://hub.ecert.test/schemas/ecert-metadata-1.0.schema.json',
      envelope: 'https://hub.ecert.test/schemas/ecert-envelope-1.0.schema.json',
    });
    expect(metadataSchema.$id).toBe(SCHEMA_IDS.metadata);
    expect(JSON.stringify(envelopeSchema)).toContain(`"$ref":"${SCHEMA_IDS.metadata}"`);
    expect(metadataSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });
});

describe('canonicalJson (RFC 8785)', () => {
  it('is independent of key order, at every depth', () => {
    const a = { b: 1, a: { y: [1, { q: 2, p: 1 }], x: 'é' } };
    const b = { a: { x: 'é', y: [1, { p: 1, q: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"x":"é","y":[1,{"p":1,"q":2}]},"b":1}');
  });

  it('keeps array order and distinguishes different data', () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });

  it('formats numbers the ECMAScript way (RFC 8785 section 3.2.2.3)', () => {
    expect(canonicalJson({ n: 1.0, m: 1e21, k: 0.000001, z: -0 })).toBe('{"k":0.000001,"m":1e+21,"n":1,"z":0}');
  });

  it('reorders a whole metadata document identically', () => {
    const reversed = Object.fromEntries(Object.entries(coc).reverse());
    expect(canonicalJson(reversed)).toBe(canonicalJson(coc));
  });

  it('refuses a value with no JSON form', () => {
    expect(() => canonicalJson(undefined)).toThrow(/no JSON representation/);
  });
});
