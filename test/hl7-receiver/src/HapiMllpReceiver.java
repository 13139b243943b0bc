import ca.uhn.hl7v2.AcknowledgmentCode;
import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.model.v251.datatype.CE;
import ca.uhn.hl7v2.model.v251.datatype.CX;
import ca.uhn.hl7v2.model.v251.datatype.XCN;
import ca.uhn.hl7v2.model.v251.group.DFT_P03_FINANCIAL;
import ca.uhn.hl7v2.model.v251.message.DFT_P03;
import ca.uhn.hl7v2.model.v251.segment.DG1;
import ca.uhn.hl7v2.model.v251.segment.FT1;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.util.idgenerator.InMemoryIDGenerator;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The independent HL7 v2 receiver of the charge-feed tests (issue 16, ADR 0614): an MLLP listener
 * on loopback that parses every message with HAPI HL7v2 (v2.5.1 structures, default validation),
 * checks what a billing system needs of a DFT^P03, and answers with a HAPI-generated ACK: AA when
 * the message is valid, AE with the reason when it is not.
 *
 * Usage: java -cp 'libs/*:classes' HapiMllpReceiver PORT LOG_FILE [--nak-first-attempts N]
 * Every accepted message is appended to LOG_FILE as one JSON line (control id, patient, FT1s).
 * --nak-first-attempts N: answer AE to the first N deliveries of every control id (a flaky EHR),
 * so that the sender's retry is exercised against a real NAK. Prints "LISTENING <port>" when ready.
 */
public final class HapiMllpReceiver {
  private static final byte VT = 0x0b;
  private static final byte FS = 0x1c;
  private static final byte CR = 0x0d;

  private final HapiContext context = new DefaultHapiContext();
  private final PipeParser parser;
  private final PrintStream log;
  private final int nakFirstAttempts;
  private final Map<String, Integer> attempts = new HashMap<>();

  private HapiMllpReceiver(String logFile, int nakFirstAttempts) throws Exception {
    context.setValidationContext(ValidationContextFactory.defaultValidation());
    // ACK control ids from memory: HAPI's default generator writes an id_file into the working folder.
    context.getParserConfiguration().setIdGenerator(new InMemoryIDGenerator());
    parser = context.getPipeParser();
    log = new PrintStream(new FileOutputStream(logFile, true), true, "UTF-8");
    this.nakFirstAttempts = nakFirstAttempts;
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int nak = 0;
    for (int i = 2; i < args.length; i++) if (args[i].equals("--nak-first-attempts")) nak = Integer.parseInt(args[++i]);
    HapiMllpReceiver receiver = new HapiMllpReceiver(args[1], nak);
    try (ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
      server.setReuseAddress(true);
      System.out.println("LISTENING " + server.getLocalPort());
      System.out.flush();
      while (true) {
        Socket socket = server.accept();
        Thread t = new Thread(() -> receiver.serve(socket));
        t.setDaemon(true);
        t.start();
      }
    }
  }

  private void serve(Socket socket) {
    try (Socket s = socket; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
      String frame;
      while ((frame = readFrame(in)) != null) {
        String ack = handle(frame);
        out.write(VT);
        out.write(ack.getBytes(StandardCharsets.UTF_8));
        out.write(FS);
        out.write(CR);
        out.flush();
      }
    } catch (Exception e) {
      System.err.println("connection: " + e);
    }
  }

  private static String readFrame(InputStream in) throws Exception {
    int b;
    while ((b = in.read()) != -1 && b != VT) {}
    if (b == -1) return null;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    while ((b = in.read()) != -1) {
      if (b == FS) {
        in.read(); // the CR after FS
        return buf.toString("UTF-8");
      }
      buf.write(b);
    }
    return null;
  }

  /** Parse, validate, answer: the ACK text. */
  private synchronized String handle(String text) {
    Message message;
    try {
      message = parser.parse(text);
    } catch (HL7Exception e) {
      return rawNak(text, "parse: " + e.getMessage());
    }
    try {
      if (!(message instanceof DFT_P03)) throw new HL7Exception("not a DFT^P03: " + message.getName());
      DFT_P03 dft = (DFT_P03) message;
      String controlId = dft.getMSH().getMessageControlID().getValue();
      String json = validate(dft);
      int n = attempts.merge(controlId, 1, Integer::sum);
      if (n <= nakFirstAttempts) {
        return parser.encode(message.generateACK(AcknowledgmentCode.AE, new HL7Exception("try again (attempt " + n + ")")));
      }
      log.println(json);
      return parser.encode(message.generateACK());
    } catch (Exception e) {
      try {
        HL7Exception h = e instanceof HL7Exception ? (HL7Exception) e : new HL7Exception(e.getMessage());
        return parser.encode(message.generateACK(AcknowledgmentCode.AE, h));
      } catch (Exception again) {
        return rawNak(text, e.getMessage());
      }
    }
  }

  /** What a billing system needs of a charge message; returns the message as a JSON line. */
  private static String validate(DFT_P03 dft) throws Exception {
    String type = dft.getMSH().getMessageType().getMessageCode().getValue() + "^"
        + dft.getMSH().getMessageType().getTriggerEvent().getValue();
    if (!"DFT^P03".equals(type)) throw new HL7Exception("MSH-9 must be DFT^P03, is " + type);
    if (!"2.5.1".equals(dft.getMSH().getVersionID().getVersionID().getValue()))
      throw new HL7Exception("MSH-12 must be 2.5.1");
    String patient = null;
    String ehr = null;
    for (CX cx : dft.getPID().getPatientIdentifierList()) {
      String authority = cx.getAssigningAuthority().getNamespaceID().getValue();
      if ("CARELEDGER".equals(authority)) patient = cx.getIDNumber().getValue();
      if ("EHR".equals(authority)) ehr = cx.getIDNumber().getValue();
    }
    if (patient == null) throw new HL7Exception("PID-3 has no CARELEDGER identifier");
    Segment zbe = (Segment) dft.get("ZBE");
    String tin = zbe.getField(3, 0).encode();
    if (!tin.matches("\\d{9}")) throw new HL7Exception("ZBE-3 must be a 9-digit TIN");
    if (!npiValid(zbe.getField(2, 0).encode())) throw new HL7Exception("ZBE-2 must be a valid organization NPI");
    int dg1s = dft.getDG1Reps();
    List<String> diagnoses = new ArrayList<>();
    for (int i = 0; i < dg1s; i++) {
      DG1 dg1 = dft.getDG1(i);
      diagnoses.add(dg1.getDiagnosisCodeDG1().getIdentifier().getValue());
    }
    StringBuilder ft1s = new StringBuilder();
    int n = dft.getFINANCIALReps();
    if (n == 0) throw new HL7Exception("no FT1");
    for (int i = 0; i < n; i++) {
      DFT_P03_FINANCIAL financial = dft.getFINANCIAL(i);
      FT1 ft1 = financial.getFT1();
      String kind = ft1.getTransactionType().getValue();
      if (!"CG".equals(kind) && !"CD".equals(kind)) throw new HL7Exception("FT1-6 must be CG or CD, is " + kind);
      String date = ft1.getTransactionDate().getRangeStartDateTime().getTime().getValue();
      if (date == null || !date.matches("\\d{8}")) throw new HL7Exception("FT1-4 must be a date");
      String code = ft1.getProcedureCode().getIdentifier().getValue();
      if (code == null || !code.matches("[0-9A-Z]{5}")) throw new HL7Exception("FT1-25 must be a CPT/HCPCS code");
      int qty = Integer.parseInt(ft1.getTransactionQuantity().getValue());
      if (qty == 0 || ("CD".equals(kind) != (qty < 0))) throw new HL7Exception("FT1-10 sign must match FT1-6");
      XCN[] performed = ft1.getPerformedByCode();
      XCN[] ordered = ft1.getOrderedByCode();
      if (performed.length == 0 || !npiValid(performed[0].getIDNumber().getValue()))
        throw new HL7Exception("FT1-20 needs a valid NPI");
      if (ordered.length == 0 || !npiValid(ordered[0].getIDNumber().getValue()))
        throw new HL7Exception("FT1-21 needs a valid NPI");
      // FT1-11/12 (CP, MO quantity & denomination): both present or both empty; USD; extended = unit x qty.
      String extended = ft1.getTransactionAmountExtended().getPrice().getQuantity().getValue();
      String unit = ft1.getTransactionAmountUnit().getPrice().getQuantity().getValue();
      String amount = null;
      if (extended != null || unit != null) {
        if (extended == null || unit == null) throw new HL7Exception("FT1-11 and FT1-12 must both be valued or both empty");
        if (!"USD".equals(ft1.getTransactionAmountExtended().getPrice().getDenomination().getValue())
            || !"USD".equals(ft1.getTransactionAmountUnit().getPrice().getDenomination().getValue()))
          throw new HL7Exception("FT1-11/12 must be in USD");
        java.math.BigDecimal ext = new java.math.BigDecimal(extended);
        java.math.BigDecimal per = new java.math.BigDecimal(unit);
        if (per.signum() < 0 || ext.compareTo(per.multiply(java.math.BigDecimal.valueOf(qty))) != 0)
          throw new HL7Exception("FT1-11 must equal FT1-12 times FT1-10");
        amount = ext.toPlainString();
      }
      for (CE dx : ft1.getDiagnosisCodeFT1())
        if (!diagnoses.contains(dx.getIdentifier().getValue()))
          throw new HL7Exception("FT1-19 names a diagnosis without a DG1: " + dx.getIdentifier().getValue());
      if (ft1s.length() > 0) ft1s.append(',');
      ft1s.append("{\"type\":\"").append(kind).append("\",\"code\":\"").append(code)
          .append("\",\"units\":").append(qty)
          .append(",\"amount\":").append(quote(amount))
          .append(",\"transactionId\":\"").append(ft1.getTransactionID().getValue())
          .append("\",\"date\":\"").append(date)
          .append("\",\"original\":").append(quote(ft1.getFillerOrderNumber().getEntityIdentifier().getValue()))
          .append('}');
    }
    return "{\"controlId\":\"" + dft.getMSH().getMessageControlID().getValue() + "\",\"patientId\":\"" + patient
        + "\",\"ehrPatientId\":" + quote(ehr) + ",\"diagnoses\":" + diagnoses.size() + ",\"ft1\":[" + ft1s + "]}";
  }

  private static String quote(String s) {
    return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** NPI check digit: Luhn over 80840 + the first nine digits (CMS). */
  static boolean npiValid(String npi) {
    if (npi == null || !npi.matches("\\d{10}")) return false;
    String digits = "80840" + npi.substring(0, 9);
    int sum = 0;
    for (int i = 0; i < digits.length(); i++) {
      int d = digits.charAt(digits.length() - 1 - i) - '0';
      if (i % 2 == 0) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    return (10 - sum % 10) % 10 == npi.charAt(9) - '0';
  }

  /** An AE for text HAPI could not parse at all (control id taken from MSH-10 when present). */
  private static String rawNak(String text, String reason) {
    String controlId = "";
    String[] segs = text.split("\r");
    if (segs.length > 0 && segs[0].startsWith("MSH")) {
      String[] f = segs[0].split("\\|", -1);
      if (f.length > 9) controlId = f[9];
    }
    String clean = reason == null ? "error" : reason.replaceAll("[|^~\\\\&\r\n]", " ");
    return "MSH|^~\\&|HAPI-RECEIVER|TEST|||" + "20000101000000" + "||ACK|" + "NAK" + controlId + "|P|2.5.1\r"
        + "MSA|AE|" + controlId + "|" + clean + "\r";
  }
}
