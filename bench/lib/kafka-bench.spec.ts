import { copyTextField, rawSinkLine } from './kafka-bench';

describe('raw sink COPY lines', () => {
  it('escapes what would break the COPY text framing and writes \\N for null', () => {
    expect(copyTextField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyTextField(null)).toBe('\\N');
    expect(copyTextField(12)).toBe('12');
  });

  it('writes one line of six tab-separated columns per message, the JSON value last (COPY-escaped)', () => {
    const json = JSON.stringify({ eventId: 'e1', streamId: 't:p', type: 'CareTimeLogged', note: 'x\ty' });
    const line = rawSinkLine(3, '42', JSON.parse(json) as Record<string, unknown>, json);
    expect(line.endsWith('\n')).toBe(true);
    const cols = line.slice(0, -1).split('\t');
    // JSON's own backslash escapes are doubled; COPY reads them back to the original text.
    expect(cols).toEqual(['3', '42', 'e1', 't:p', 'CareTimeLogged', json.replace(/\\/g, '\\\\')]);
    expect(rawSinkLine(0, '0', {}, '{}')).toBe('0\t0\t\\N\t\\N\t\\N\t{}\n');
  });
});
