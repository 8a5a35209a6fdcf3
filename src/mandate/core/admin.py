from django.contrib import admin

from mandate.core.models import Branch, Department, Employer, Region, Union, Workplace

admin.site.register([Union, Region, Branch, Employer, Workplace, Department])
