"""Writes bot/demo/handbook/travel-policy.pdf, the sample handbook's PDF (run once; the PDF is committed).

Needs fpdf2 (`pip install fpdf2`), which docbot itself does not depend on.
"""

from pathlib import Path

from fpdf import FPDF

PAGES = [
    (
        "Travel policy",
        [
            ("Booking", "Book all work travel through TravelPerk at least 14 days ahead. Trains are preferred to "
             "flights for trips under 4 hours, for example Lisbon to Porto."),
            ("Per diem", "The daily allowance for meals is 45 euros in Europe and 60 dollars in the United States. "
             "Keep receipts for anything over 25 euros."),
        ],
    ),
    (
        "Team offsites",
        [
            ("Planning", "Each team may hold two offsites per year, with a budget of 1,200 euros per person per offsite, "
             "travel included. The team lead books the venue through the office manager, Joana Silva."),
            ("Visas", "Ask People Ops for an invitation letter at least 6 weeks before travelling to a country that "
             "requires a visa."),
        ],
    ),
]


def main() -> None:
    pdf = FPDF()
    pdf.set_title("Lumen Labs travel policy")
    pdf.set_author("Lumen Labs People Ops")
    for title, sections in PAGES:
        pdf.add_page()
        pdf.start_section(title)
        pdf.set_font("Helvetica", "B", 18)
        pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
        for heading, body in sections:
            pdf.set_font("Helvetica", "B", 13)
            pdf.multi_cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    pdf.output(str(Path(__file__).resolve().parents[1] / "bot" / "demo" / "handbook" / "travel-policy.pdf"))


if __name__ == "__main__":
    main()
