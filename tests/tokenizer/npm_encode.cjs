// Encodes a UTF-8 file with the JavaScript tokenizer of @lenml/tokenizers (transformers.js) and
// prints the ids as one JSON array. This is the independent reference for the corpus test.
// Usage: node npm_encode.cjs JS_DIR MODEL_DIR INPUT_FILE
//   JS_DIR: folder whose node_modules holds @lenml/tokenizers
//   MODEL_DIR: folder with tokenizer.json and tokenizer_config.json
'use strict';
const fs = require('fs');
const path = require('path');

const [, , jsDir, modelDir, inputFile] = process.argv;
if (!jsDir || !modelDir || !inputFile) {
  process.stderr.write('usage: node npm_encode.cjs JS_DIR MODEL_DIR INPUT_FILE\n');
  process.exit(2);
}
const { TokenizerLoader } = require(path.join(path.resolve(jsDir), 'node_modules', '@lenml', 'tokenizers'));
const tokenizerJSON = JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8'));
const tokenizerConfig = JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer_config.json'), 'utf8'));
const tokenizer = TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig });

const text = fs.readFileSync(inputFile, 'utf8');
// Qwen's tokenizer.json normalizes to NFC and GGUF tokenizers do not; a corpus that is not NFC
// would compare two different inputs.
if (text !== text.normalize('NFC')) {
  process.stderr.write('input is not in NFC\n');
  process.exit(3);
}
const ids = tokenizer.encode(text, { add_special_tokens: false });
process.stdout.write(JSON.stringify(ids) + '\n');
