// Fake secrets in every format the worker must never log. None is real; each has a real token's shape.
export const CANARY_SECRETS = {
  ghp: 'ghp_CANARYcanaryCANARYcanaryCANARYcan123',
  gho: 'gho_CANARYcanaryCANARYcanaryCANARYcan123',
  ghu: 'ghu_CANARYcanaryCANARYcanaryCANARYcan123',
  ghs: 'ghs_CANARYcanaryCANARYcanaryCANARYcan123',
  ghr: 'ghr_CANARYcanaryCANARYcanaryCANARYcan123',
  githubPat: 'github_pat_11CANARY0canary_CANARYcanaryCANARYcanaryCANARY42',
  akia: 'AKIACANARY0EXAMPLE7Q',
  asia: 'ASIACANARY0EXAMPLE7Q',
  accessTokenUrl: 'https://x-access-token:canary-installation-token-value@github.com/o/r.git',
  bearer: 'Authorization: Bearer canary.jwt.token-value-1234',
  privateKey:
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEcanaryCANARYcanary\nCANARYcanaryCANARY==\n-----END RSA PRIVATE KEY-----',
};
