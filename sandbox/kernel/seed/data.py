"""Static material for a realistic Indian D2C store: buyers' names, places, payment mix.

Province codes are the ones Shopify uses for India (``TS`` Telangana, ``OR`` Odisha, ``UK``
Uttarakhand, ``CG`` Chhattisgarh); pincode ranges are real ranges of each city. Amounts are
GST-inclusive rupees. Catalog templates live in :mod:`.templates`.
"""

from __future__ import annotations

from decimal import Decimal

# fmt: off
FIRST_NAMES = (
    "Aarav", "Vivaan", "Aditya", "Vihaan", "Arjun", "Sai", "Reyansh", "Ayaan", "Krishna",
    "Ishaan", "Rohan", "Rahul", "Amit", "Sanjay", "Vikram", "Karan", "Nikhil", "Pranav",
    "Siddharth", "Harsh", "Manish", "Deepak", "Suresh", "Rajesh", "Anil", "Priya", "Ananya",
    "Diya", "Aadhya", "Saanvi", "Ishita", "Kavya", "Meera", "Neha", "Pooja", "Sneha", "Riya",
    "Shreya", "Nisha", "Divya", "Lakshmi", "Anjali", "Swati", "Kriti", "Tanvi", "Aishwarya",
    "Bhavna", "Farah", "Zoya", "Ayesha", "Imran", "Faizan", "Gurpreet", "Harpreet", "Simran",
    "Jaspreet", "Lalitha", "Venkatesh", "Karthik", "Arun", "Deepika", "Sowmya", "Tejas",
    "Rutuja",
)

LAST_NAMES = (
    "Sharma", "Verma", "Gupta", "Agarwal", "Iyer", "Nair", "Menon", "Reddy", "Rao", "Patel",
    "Shah", "Desai", "Mehta", "Joshi", "Kulkarni", "Deshpande", "Patil", "Jadhav", "Pawar",
    "Singh", "Chauhan", "Yadav", "Mishra", "Tiwari", "Pandey", "Dubey", "Banerjee",
    "Chatterjee", "Mukherjee", "Das", "Bose", "Ghosh", "Sen", "Khan", "Qureshi", "Siddiqui",
    "Sheikh", "Kaur", "Gill", "Sandhu", "Naidu", "Pillai", "Krishnan", "Subramanian", "Bhat",
    "Hegde", "Shetty", "Kapoor", "Malhotra", "Khanna", "Arora", "Sethi", "Bansal", "Goyal",
    "Jain", "Saxena", "Srivastava",
)

EMAIL_DOMAINS = (
    "gmail.com", "gmail.com", "gmail.com", "yahoo.co.in", "outlook.com", "rediffmail.com",
    "hotmail.com",
)

# (city, state, province code, first pincode, last pincode, weight)

CITIES: tuple[tuple[str, str, str, int, int, int], ...] = (
    ("Mumbai", "Maharashtra", "MH", 400001, 400104, 12),
    ("Pune", "Maharashtra", "MH", 411001, 411062, 7),
    ("Thane", "Maharashtra", "MH", 400601, 400615, 3),
    ("Nagpur", "Maharashtra", "MH", 440001, 440037, 2),
    ("Bengaluru", "Karnataka", "KA", 560001, 560103, 11),
    ("Mysuru", "Karnataka", "KA", 570001, 570030, 1),
    ("New Delhi", "Delhi", "DL", 110001, 110096, 10),
    ("Gurugram", "Haryana", "HR", 122001, 122018, 4),
    ("Faridabad", "Haryana", "HR", 121001, 121010, 1),
    ("Noida", "Uttar Pradesh", "UP", 201301, 201310, 3),
    ("Lucknow", "Uttar Pradesh", "UP", 226001, 226031, 3),
    ("Kanpur", "Uttar Pradesh", "UP", 208001, 208027, 1),
    ("Hyderabad", "Telangana", "TS", 500001, 500098, 8),
    ("Chennai", "Tamil Nadu", "TN", 600001, 600119, 7),
    ("Coimbatore", "Tamil Nadu", "TN", 641001, 641050, 2),
    ("Kolkata", "West Bengal", "WB", 700001, 700160, 6),
    ("Ahmedabad", "Gujarat", "GJ", 380001, 380061, 4),
    ("Surat", "Gujarat", "GJ", 395001, 395023, 2),
    ("Vadodara", "Gujarat", "GJ", 390001, 390025, 1),
    ("Jaipur", "Rajasthan", "RJ", 302001, 302039, 3),
    ("Chandigarh", "Chandigarh", "CH", 160001, 160036, 2),
    ("Ludhiana", "Punjab", "PB", 141001, 141017, 1),
    ("Kochi", "Kerala", "KL", 682001, 682041, 2),
    ("Thiruvananthapuram", "Kerala", "KL", 695001, 695043, 1),
    ("Indore", "Madhya Pradesh", "MP", 452001, 452020, 2),
    ("Bhopal", "Madhya Pradesh", "MP", 462001, 462046, 1),
    ("Patna", "Bihar", "BR", 800001, 800030, 2),
    ("Bhubaneswar", "Odisha", "OR", 751001, 751031, 1),
    ("Guwahati", "Assam", "AS", 781001, 781040, 1),
    ("Dehradun", "Uttarakhand", "UK", 248001, 248009, 1),
    ("Raipur", "Chhattisgarh", "CG", 492001, 492015, 1),
    ("Ranchi", "Jharkhand", "JH", 834001, 834012, 1),
    ("Visakhapatnam", "Andhra Pradesh", "AP", 530001, 530053, 1),
    ("Panaji", "Goa", "GA", 403001, 403006, 1),
)

STREETS = (
    "MG Road", "Linking Road", "SV Road", "Station Road", "Nehru Nagar", "Gandhi Nagar",
    "Shivaji Nagar", "Rajaji Nagar", "100 Feet Road, Indiranagar", "Anna Salai", "Park Street",
    "Civil Lines", "Sector 15", "Sector 62", "Road No. 12, Banjara Hills",
    "5th Block, Koramangala", "Andheri East", "Sector V, Salt Lake", "Baner Road", "FC Road",
    "Ashok Nagar", "Model Town",
)

BUILDINGS = (
    "Sai Krupa Apartments", "Shanti Niketan", "Green Park Society", "Lakeview Residency",
    "Sunshine Heights", "Ganga Vihar", "Prestige Towers", "Royal Enclave", "Om Sai Residency",
    "Krishna Kunj", "Silver Oak CHS", "Palm Grove",
)

LANDMARKS = (
    "Near City Mall", "Opp. SBI Bank", "Behind Hanuman Mandir", "Near Metro Station",
    "Opp. Bus Depot", "Near Govt. School",
)

ORDER_NOTES = (
    "Please deliver after 6 PM", "Call before delivery", "Gift wrap please",
    "Leave with security guard",
)

# Warehouses: (name, address1, city, state, code, pincode); the first is primary.

LOCATIONS = (
    ("Bhiwandi Warehouse", "Gala No. 14, Rajlaxmi Logistics Park, Vadape", "Bhiwandi",
     "Maharashtra", "MH", "421302"),
    ("Bengaluru Fulfilment Centre", "Plot 22, KIADB Industrial Area, Hoskote", "Bengaluru",
     "Karnataka", "KA", "562114"),
)
# fmt: on


COD_SHARE = 0.6
PREPAID_GATEWAYS = (("razorpay", 0.65), ("Cashfree", 0.35))
DISCOUNT_CODES = (
    ("WELCOME10", "percentage", Decimal("10")),
    ("FESTIVE15", "percentage", Decimal("15")),
    ("FLAT200", "fixed_amount", Decimal("200")),
)
SHIPPING_FEES = (49, 59, 79, 99)
FREE_SHIPPING_ABOVE = Decimal("499")
