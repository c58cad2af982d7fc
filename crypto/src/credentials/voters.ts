/**
 * The voter list the credential authority starts from: UTF-8 text, one voter per line. A line is a
 * CSV record (RFC 4180 quoting); the voter id is its first field, or the field of the column named
 * by `column`, in which case the first line is the header. Blank lines are skipped. Every error
 * names the line.
 */

export class VoterListError extends Error {
  override readonly name = "VoterListError";
}

/** The longest voter id accepted (a letter prints it). */
export const MAX_VOTER_ID = 200;

function csvFields(line: string, lineNo: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new VoterListError(`line ${lineNo}: a quoted field is not closed`);
        const c = line[i] as string;
        if (c === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += c;
        i++;
      }
      if (i < line.length && line[i] !== ",")
        throw new VoterListError(`line ${lineNo}: text after a closing quote (column ${i + 1})`);
    } else {
      const end = line.indexOf(",", i);
      field = line.slice(i, end === -1 ? line.length : end);
      if (field.includes('"')) throw new VoterListError(`line ${lineNo}: a quote inside an unquoted field`);
      i = end === -1 ? line.length : end;
    }
    fields.push(field.trim());
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** Reads the voter ids, in list order; refuses an empty or duplicate id, naming both lines. */
export function parseVoterList(text: string, column?: string): string[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const ids: string[] = [];
  const firstLine = new Map<string, number>();
  let index = 0;
  let header = column !== undefined;
  for (const [i, raw] of lines.entries()) {
    const lineNo = i + 1;
    if (raw.trim() === "") continue;
    const fields = csvFields(raw, lineNo);
    if (header) {
      index = fields.indexOf(column as string);
      if (index === -1)
        throw new VoterListError(`line ${lineNo}: no column "${column}" in the header (${fields.join(", ")})`);
      header = false;
      continue;
    }
    const id = fields[index];
    if (id === undefined || id === "") throw new VoterListError(`line ${lineNo}: the voter id is empty`);
    if (id.length > MAX_VOTER_ID)
      throw new VoterListError(`line ${lineNo}: the voter id is longer than ${MAX_VOTER_ID} characters`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (/[\u0000-\u001f\u007f]/.test(id))
      throw new VoterListError(`line ${lineNo}: the voter id holds a control character`);
    const seen = firstLine.get(id);
    if (seen !== undefined) throw new VoterListError(`line ${lineNo}: voter "${id}" is already on line ${seen}`);
    firstLine.set(id, lineNo);
    ids.push(id);
  }
  if (header) throw new VoterListError(`the list is empty (no header line with column "${column}")`);
  if (ids.length === 0) throw new VoterListError("the list holds no voter");
  return ids;
}
